// Package api is the staff side's JSON API under /api/v1: the adapter through
// which the web console, integrators and the salon command line reach the
// clienteling domain. It authenticates bearer tokens, bounds and validates
// bodies, and maps domain error codes to HTTP statuses in one table; every
// rule about who may see or do what lives in the domain's Service.
package api
