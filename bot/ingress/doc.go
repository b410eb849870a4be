// Package ingress answers WeChat's callbacks: it has bot/callback verify and
// parse each one, hands the result to the domain's inbox in one durable
// commit, and only then acknowledges. Rejections are counted by endpoint and
// reason and logged without content; a store that cannot commit answers 503
// so that WeChat retries, never "success".
package ingress
