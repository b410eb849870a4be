// Package demo is the invented maison a newcomer meets in sandbox mode:
// Maison Lumière, its boutiques at Plaza 66 in Shanghai and SKP in Beijing,
// four associates, a catalog of thirty products and five VIP clients with a
// few weeks of conversation each. It is not a real brand; its images live
// under example.com and its WeChat ids start with oDEMO and uDEMO.
//
// The data is kept as embedded files in the import format of package
// importer and read through it, so the demo also proves the import path.
// Seed writes it through clienteling.Service, as the system principal, so it
// obeys the same rules as any other import. cmd/salon calls IsEmpty and, in
// sandbox mode on an empty database, Seed.
package demo
