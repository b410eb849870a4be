// Package locales holds the words Salon says to people: the message
// catalogs, one JSON file per language, embedded in the binary, and the
// matching of a client's language (from WeChat's profile, or their own
// words) to the closest catalog. It imports only the standard library and
// golang.org/x/text.
package locales
