// Package httpjson is Salon's one JSON edge over HTTP: the error shape
// {"error": {"code", "message", "field"}}, the table from the domain's error
// codes to HTTP statuses, the request body decoder, the 404 and 405 answers
// of a set of routes, and the client side that reads an error back.
//
// Every JSON endpoint speaks through it: the staff API (clienteling/api),
// the sandbox's endpoints (under bot/) and the salon command line's calls
// to a running server (cmd/salon). So that adapters need not import each
// other, it is a shared edge: it imports only the domain and the standard
// library, and any adapter may import it (the layout test says so and
// checks it). HTTP stays out of the domain; the domain's codes stay the one
// vocabulary of failure.
package httpjson
