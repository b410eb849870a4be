// Package store is Salon's system of record: bbolt implementations of the
// domain's storage ports, one file salon.db in the data directory.
//
// Every domain operation is one bbolt transaction, so a record and its index
// entries (and, later, the outbox rows that announce it) are written together
// or not at all. The schema (buckets, key layouts, migrations) is named in one
// place, schema.go. Records are private structs with a version field; domain
// types never reach the disk directly, so the API can change without a
// migration and the disk can change without the API noticing.
package store
