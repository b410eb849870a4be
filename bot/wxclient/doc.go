// Package wxclient is the only way Salon talks to WeChat's servers. Every
// outbound call of the Official Account, WeCom (customer contact and
// customer service included) and WeChat Pay APIs goes through it, whether
// Salon makes the call itself or through the silenceper SDK.
//
// Install, called once by cmd at start-up, builds a Client with timeouts on
// every phase of a request and hands it to silenceper together with a URI
// modifier that sends each API family to its configured base: the
// production host, a forward proxy, or a fake WeChat on loopback in tests
// and sandbox mode. Calls silenceper lacks or gets wrong use the same
// Client through GetJSON and PostJSON, which keep WeChat's errcode in an
// *APIError instead of burying it in text.
//
// Access tokens come from one AccessTokenProvider per credential: it
// refreshes ahead of expiry, never fetches twice at once, survives restarts
// through a TokenStore, and plugs into silenceper as its token handle
// (NewOfficialAccount), so that the daily fetch quota is
// spent only when a token really runs out. Retryable and TokenExpired sort
// errors, of this package or of silenceper through Wrap, into those worth
// trying again, those that need a fresh token, and final ones.
//
// Secrets and tokens never appear in error text; this package logs only
// failures to persist or refresh, without values.
package wxclient
