// Package api is the staff side's JSON API under /api/v1: the adapter through
// which the web console, integrators and the salon command line reach the
// clienteling domain. It authenticates bearer tokens and routes; bodies,
// errors and their statuses go through the one JSON edge, clienteling/httpjson.
// Every rule about who may see or do what lives in the domain's Service.
package api
