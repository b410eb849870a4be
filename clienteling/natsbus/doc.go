// Package natsbus is Salon's NATS transport: the embedded server (or a
// connection to an external one), the JetStream streams, and the subjects of
// the contract. bbolt stays the system of record; what passes through here
// is a copy on its way to associates and integrations, published from the
// store's outbox so that an outage of NATS delays messages but loses none.
package natsbus
