package checkout

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Delivery choices of the form.
const (
	DeliveryCollect = "collect"
	DeliveryDeliver = "deliver"
)

// Address is where a white-glove delivery goes.
type Address struct {
	Name     string `json:"name" validate:"required,max=100"`
	Phone    string `json:"phone" validate:"required,e164"`
	City     string `json:"city" validate:"required,max=100"`
	Street   string `json:"street" validate:"required,max=300"`
	Postcode string `json:"postcode" validate:"required,max=12"`
}

// Choice is what the client confirmed on the page. It has no price: the
// order's amount comes from the card's snapshot, never from the page.
type Choice struct {
	Token    string // the card's token
	Size     string
	Delivery string // DeliveryCollect or DeliveryDeliver
	Boutique clienteling.BoutiqueID
	Address  *Address
	Slot     time.Time
}

// offer is what the form may choose from.
type offer struct {
	sizes     []string
	boutiques []clienteling.BoutiqueID
	now       time.Time
}

var postcodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 -]{1,10}$`)

// maxFormValue bounds every field read from the page.
const maxFormValue = 300

// parseChoice reads the page's form against what was offered. A failure
// names the field, as a key of the checkout catalog ("error.<field>").
// Fields it does not know, a price among them, are never read.
func parseChoice(form url.Values, token string, o offer) (*Choice, *clienteling.Error) {
	get := func(k string) string {
		v := strings.TrimSpace(form.Get(k))
		if len(v) > maxFormValue {
			return ""
		}
		return v
	}
	c := &Choice{Token: token, Size: get("size"), Delivery: get("delivery")}
	if len(o.sizes) > 0 && !slices.Contains(o.sizes, c.Size) {
		return nil, clienteling.FieldError("size", "not one of the sizes offered")
	}
	switch c.Delivery {
	case DeliveryCollect:
		c.Boutique = clienteling.BoutiqueID(get("boutique"))
		if !slices.Contains(o.boutiques, c.Boutique) {
			return nil, clienteling.FieldError("boutique", "not a boutique that has the piece")
		}
	case DeliveryDeliver:
		a := &Address{Name: get("name"), City: get("city"), Street: get("street"), Postcode: get("postcode")}
		phone, ok := clienteling.NormalizePhone(get("phone"))
		if !ok {
			return nil, clienteling.FieldError("phone", "not a phone number")
		}
		a.Phone = phone
		if err := clienteling.Validate(a); err != nil {
			var field string
			if e, ok := err.(*clienteling.Error); ok {
				field = e.Field
			}
			return nil, clienteling.FieldError(field, "invalid")
		}
		if !postcodePattern.MatchString(a.Postcode) {
			return nil, clienteling.FieldError("postcode", "not a postcode")
		}
		slot, err := time.Parse(time.RFC3339, get("slot"))
		if err != nil || !slot.After(o.now) {
			return nil, clienteling.FieldError("slot", "not a time to come")
		}
		c.Address, c.Slot = a, slot
	default:
		return nil, clienteling.FieldError("delivery", "must be collect or deliver")
	}
	return c, nil
}
