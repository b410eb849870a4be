// Package importer reads the files of `salon import catalog|associates|customers
// FILE` into domain values: CSV or JSON, every row parsed and validated before
// anything is returned, so an import is all or nothing and a rejected file can
// be fixed in one pass.
//
// It is an adapter for the CRM team: it knows file formats and nothing of
// storage. What a row names that must exist already (an associate's
// boutique, a customer's advisor and boutique) or must not (an associate's
// userid) it asks of a Directory, which clienteling.Service is; so every
// problem of a file is found, with its row, before anything is written.
// cmd/salon hands the result to clienteling.Service (PutProducts,
// CreateAssociates, ImportCustomers), and the demo data of sandbox mode is
// kept in its JSON format and read through it.
//
// # Errors
//
// A file with problems yields *RowErrors, one line per problem, such as
//
//	row 7: price.amount: must be > 0
//
// The field is a JSON path as clienteling.Validate names it, or the CSV column
// of a cell that could not be read. Every problem of every row is listed, not
// only the first of each. Messages never quote a value, which may be
// personal data. Rows are numbered as their authors see them:
//
//   - CSV: the line a record starts on, the header being row 1 and the first
//     data row row 2, as a spreadsheet numbers them. Rows of empty cells are
//     skipped but keep their number.
//   - JSON: the 1-based index of the object in the top-level array.
//
// Row 0 is the file as a whole (not a JSON array, malformed at its end).
//
// # CSV
//
// UTF-8, comma-separated, a header row naming the columns in any order and
// case. An unknown or repeated column, or a missing required one, is an error
// naming it. Cells are trimmed; lists are separated by "|".
//
//	catalog:    sku* title_zh title_en description_zh description_en category
//	            price* (or price_minor*) currency sizes images min_tier stock active
//	associates: userid* name* boutique* role* email status hours
//	customers:  name channel* external_id* unionid tier language advisor
//	            boutique phone tags consent_contact consent_marketing
//	            consent_profiling sizes colours materials categories dislikes dates
//
// (* a required column.) title_zh fills the zh-CN title, title_en the en one.
// price is in the currency's major unit with exactly as many decimals as its
// minor unit has (clienteling.MinorDigits): 4800.00 CNY, 4800 JPY, 1.500 KWD.
// "4800", "4800.5" and "4,800" are refused for CNY rather than guessed at. A
// file that holds minor units (480000 for 4 800.00 CNY, as the JSON API and
// Salon's storage do) names the column price_minor instead; a file has one of
// the two. An empty currency is CNY.
// stock is "sh-plaza66:2|bj-skp:1"; hours "mon-fri 10:00-19:00|sat 12:00-20:00"
// (a day, a range or "daily"); sizes "shoes:37|rtw:M"; dates
// "birthday:05-18|anniversary:2019-09-12". Yes/no cells take true/false,
// yes/no, y/n, 1/0 or 是/否. A phone is stored in E.164 form
// (clienteling.NormalizePhone): 13800138000, +86 138-0013-8000 and
// 0086 138 0013 8000 are all +8613800138000; a number that is not a mainland
// mobile needs its country code. The same holds in JSON.
//
// # JSON
//
// One array of objects with the fields of clienteling.Product, Associate or
// Customer as the JSON API shows them (so price.amount is in minor units), matched as encoding/json matches them
// (without regard to case). Unknown fields are refused. A customer may not
// carry an id: Salon gives ids.
//
// # Bounds
//
// A file is at most MaxBytes and MaxRows rows; a CSV cell at most
// MaxCellBytes and a JSON object MaxObjectBytes. At most MaxErrors problems
// are listed and the rest counted, except that the problem which stopped the
// reading (malformed CSV or JSON, too many rows) is always listed, last.
package importer
