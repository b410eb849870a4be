package wecom

import (
	"context"
	"errors"

	"github.com/salonhq/salon/clienteling"
)

// addContactWayPath is WeCom's API that configures a 「联系我」 code.
const addContactWayPath = "/cgi-bin/externalcontact/add_contact_way"

// ContactWays makes associates' WeCom contact ways; it implements
// clienteling.ContactWayMaker.
type ContactWays struct{ contact Poster }

// NewContactWays returns a maker calling WeCom through contact (the
// customer-contact secret's token provider, or the app's when the app has
// customer-contact permission).
func NewContactWays(contact Poster) *ContactWays { return &ContactWays{contact: contact} }

var _ clienteling.ContactWayMaker = (*ContactWays)(nil)

// addContactWayRequest asks for a single associate's QR code (type 1,
// scene 2); WeCom's defaults hold for the rest (clients are added without
// the associate's confirmation).
type addContactWayRequest struct {
	Type  int      `json:"type"`
	Scene int      `json:"scene"`
	State string   `json:"state"`
	User  []string `json:"user"`
}

type addContactWayAnswer struct {
	ConfigID string `json:"config_id"`
	QRCode   string `json:"qr_code"`
}

// AddContactWay configures associate id's contact way, whose
// add_external_contact events carry state. WeCom's errcode is kept in the
// error (see Errcode).
func (c *ContactWays) AddContactWay(ctx context.Context, id clienteling.AssociateID, state string) (*clienteling.ContactWay, error) {
	if len(state) > clienteling.ContactWayStateMax {
		return nil, errors.New("wecom: a contact way's state is at most 30 bytes")
	}
	req := addContactWayRequest{Type: 1, Scene: 2, State: state, User: []string{string(id)}}
	var answer addContactWayAnswer
	if err := c.contact.PostJSON(ctx, addContactWayPath, nil, &req, &answer); err != nil {
		return nil, err
	}
	if answer.ConfigID == "" {
		return nil, errors.New("wecom: add_contact_way answered no config_id")
	}
	return &clienteling.ContactWay{ConfigID: answer.ConfigID, QRCode: answer.QRCode, State: state}, nil
}
