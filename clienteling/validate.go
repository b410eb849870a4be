package clienteling

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	userIDPatern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)
	skuPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	langPattern  = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// validatorInstance returns the one validator, with field names taken from
// JSON tags so that errors name fields as API callers and importers see them.
func validatorInstance() *validator.Validate {
	validateOnce.Do(func() {
		v := validator.New(validator.WithRequiredStructEnabled())
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			if name == "" {
				return f.Name
			}
			return name
		})
		register := func(tag string, fn func(string) bool) {
			_ = v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return fn(fl.Field().String()) })
		}
		register("slug", slugPattern.MatchString)
		register("userid", func(s string) bool {
			// Dots would break NATS subjects named after associates.
			return userIDPatern.MatchString(s) && !strings.ContainsAny(s, ".*> ")
		})
		register("sku", skuPattern.MatchString)
		register("phone", func(s string) bool {
			// Only the normalized form is valid, so that one number is one string.
			p, ok := NormalizePhone(s)
			return ok && p == s
		})
		register("lang", langPattern.MatchString)
		register("timezone", func(s string) bool {
			_, err := time.LoadLocation(s)
			return s != "" && err == nil
		})
		register("currency", func(s string) bool { return len(s) == 3 && strings.ToUpper(s) == s })
		register("hhmm", func(s string) bool {
			// Exactly HH:MM, so that shifts compare as strings.
			_, err := time.Parse("15:04", s)
			return len(s) == 5 && err == nil
		})
		// gtfield compares the lengths of strings, not their values.
		_ = v.RegisterValidation("after_open", func(fl validator.FieldLevel) bool {
			return fl.Field().String() > fl.Parent().FieldByName("Open").String()
		})
		validate = v
	})
	return validate
}

// Validate checks v's `validate` tags and returns an EINVALID *Error naming
// the first offending field by its JSON path ("price.amount"), or nil.
func Validate(v any) error {
	if errs := ValidateAll(v); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// ValidateAll is Validate reporting every offending field, in the order of
// the struct's fields, so that a file of rows can be fixed in one pass.
func ValidateAll(v any) []*Error {
	err := validatorInstance().Struct(v)
	if err == nil {
		return nil
	}
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return []*Error{{Code: EINVALID, Message: err.Error()}}
	}
	out := make([]*Error, len(errs))
	for i, fe := range errs {
		out[i] = &Error{Code: EINVALID, Field: fieldPath(fe.Namespace()), Message: describe(fe)}
	}
	return out
}

// fieldPath drops the struct name that leads a validator namespace.
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// describe turns a validation failure into a short English phrase. The API
// and importers show it as is; it must not echo the offending value, which
// may be personal data.
func describe(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required", "required_without", "required_with":
		return "is required"
	case "gt":
		return "must be > " + p
	case "gte":
		return "must be >= " + p
	case "lt":
		return "must be < " + p
	case "lte":
		return "must be <= " + p
	case "min":
		if isCountable(fe.Kind()) {
			return fmt.Sprintf("must have at least %s items", p)
		}
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("must be at least %s characters", p)
		}
		return "must be >= " + p
	case "max":
		if isCountable(fe.Kind()) {
			return fmt.Sprintf("must have at most %s items", p)
		}
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("must be at most %s characters", p)
		}
		return "must be <= " + p
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "slug":
		return "must be a lowercase slug (a-z, 0-9, -)"
	case "userid":
		return "must be a WeCom userid (letters, digits, _ @ -)"
	case "sku":
		return "must be letters, digits, _ . -"
	case "lang":
		return "must be a language tag such as zh-CN or en"
	case "timezone":
		return "must be an IANA time zone such as Asia/Shanghai"
	case "currency", "iso4217":
		return "must be an ISO 4217 code such as CNY"
	case "hhmm":
		return "must be a time as HH:MM"
	case "after_open":
		return "must be after open"
	case "url", "http_url":
		return "must be a URL"
	case "email":
		return "must be an email address"
	case "e164":
		return "must be a phone number in E.164 form"
	case "phone":
		return phoneHelp
	case "dive":
		return "is invalid"
	}
	return "is invalid (" + fe.Tag() + ")"
}

func isCountable(k reflect.Kind) bool {
	return k == reflect.Slice || k == reflect.Map || k == reflect.Array
}
