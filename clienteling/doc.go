// Package clienteling is Salon's domain: brands, boutiques, associates, the
// clients they serve, their conversations, preferences, products, cards and
// orders, and the rules that tie them together (who may see whom, who answers
// whom, what counts as revenue).
//
// It sits at the bottom of the house. It imports only the standard library and
// the validator; storage (package store), WeChat (package bot and below) and the
// staff-facing adapters (packages under clienteling/) depend on it, never the
// other way round. The ports it needs from them (stores, notifiers, clocks) are
// declared here, next to the code that uses them.
package clienteling
