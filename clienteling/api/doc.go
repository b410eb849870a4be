// Package api is the staff side's JSON API under /api/v1: the adapter through
// which the web console, integrators and the salon command line reach the
// clienteling domain. It authenticates bearer tokens and routes; bodies,
// errors and their statuses go through the one JSON edge, clienteling/httpjson.
// Every rule about who may see or do what lives in the domain's Service.
//
// openapi.json is the API's reference for integrators (OpenAPI 3.1, served
// at /api/v1/openapi.json). A route added to Register needs its operation
// there, with the roles that may call it and examples: the tests fail
// otherwise, and send every request example through the handlers.
package api
