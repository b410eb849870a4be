package clienteling

import "context"

// Staff roles an associate record can hold. Bearer tokens add crm and admin.
const (
	StaffAssociate = "associate"
	StaffManager   = "manager"
)

// Associate statuses.
const (
	StatusActive   = "active"   // works normally
	StatusAway     = "away"     // on leave: clients are routed to the boutique
	StatusDeparted = "departed" // left the brand: their book must move on
)

// Associate is an advisor in a boutique, keyed by their WeCom userid.
type Associate struct {
	UserID   AssociateID `json:"userid" validate:"required,userid"`
	Name     string      `json:"name" validate:"required,max=200"`
	Boutique BoutiqueID  `json:"boutique" validate:"required,slug"`
	Role     string      `json:"role" validate:"required,oneof=associate manager"`
	Status   string      `json:"status,omitempty" validate:"omitempty,oneof=active away departed"`
	Hours    Weekly      `json:"hours,omitempty" validate:"omitempty,max=21,dive"`
	Email    string      `json:"email,omitempty" validate:"omitempty,email,max=200"`
	// QRCode is the image link of the associate's personal Official
	// Account QR code, once made (see Service.AssociateQRCode).
	QRCode string `json:"qrcode,omitempty" validate:"omitempty,url,max=1000"`
	// WeCom is the associate's WeCom 「联系我」 configuration, once made
	// (see Service.AssociateCodes).
	WeCom *ContactWay `json:"wecom,omitempty"`
}

// Normalize fills defaults.
func (a *Associate) Normalize() {
	if a.Status == "" {
		a.Status = StatusActive
	}
}

// AssociateFilter selects associates; zero fields match everything.
type AssociateFilter struct {
	Boutique BoutiqueID
}

// AssociateStore keeps associates.
type AssociateStore interface {
	// CreateAssociates stores new associates in one transaction: all or none.
	// ECONFLICT if a userid is taken, ENOTFOUND if a boutique does not exist.
	CreateAssociates(ctx context.Context, as []*Associate) error
	// FindAssociate returns the associate or ENOTFOUND.
	FindAssociate(ctx context.Context, id AssociateID) (*Associate, error)
	// FindAssociates returns the associates the filter selects, by userid.
	FindAssociates(ctx context.Context, f AssociateFilter) ([]*Associate, error)
	// SetAssociateQRCode records the associate's QR code image link.
	// ENOTFOUND for an unknown associate.
	SetAssociateQRCode(ctx context.Context, id AssociateID, url string) (*Associate, error)
	// SetAssociateContactWay records the associate's WeCom 「联系我」
	// configuration. ENOTFOUND for an unknown associate.
	SetAssociateContactWay(ctx context.Context, id AssociateID, cw *ContactWay) (*Associate, error)
}
