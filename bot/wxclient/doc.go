// Package wxclient is the only way Salon talks to WeChat's servers. Every
// outbound call of the Official Account, WeCom (customer contact and
// customer service included) and WeChat Pay APIs goes through it. Salon
// uses the silenceper SDK only for callback signatures and decryption (in
// bot/callback), never for calls, so this package sets none of silenceper's
// package variables.
//
// New builds a Client with timeouts on every phase of a request and the base
// URL of each API family: the production host, a forward proxy, or a fake
// WeChat on loopback in tests and sandbox mode. GetJSON and PostJSON keep
// WeChat's errcode in an *APIError instead of burying it in text.
//
// Access tokens come from one AccessTokenProvider per credential: it
// refreshes ahead of expiry, never fetches twice at once, and survives
// restarts through a TokenStore, so that the daily fetch quota is spent
// only when a token really runs out. Retryable and TokenExpired sort errors
// into those worth trying again, those that need a fresh token, and final
// ones.
//
// Secrets and tokens never appear in error text; this package logs only
// failures to persist or refresh, without values.
package wxclient
