// Package console is Salon's web console for staff, served at /: sign-in
// (single-use links, WeCom web authorisation, the sandbox's demo staff),
// sessions in a cookie, and the associate's desk: the inbox by longest
// wait, a client's conversation and profile, replies, notes and live
// updates by Server-Sent Events.
//
// It is an adapter over the domain like clienteling/api: every rule about
// who may see or do what lives in the Service, which it calls with the
// session's principal. Pages are rendered on the server with html/template
// (which escapes what clients typed); a small inline script, allowed by a
// per-response CSP nonce, adds live updates and sending without reload.
// No state-changing request is served without the session's CSRF token.
package console
