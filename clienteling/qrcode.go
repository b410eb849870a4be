package clienteling

import "context"

// QRCodeMaker makes a permanent Official Account QR code for a scene and
// returns the link to its image.
type QRCodeMaker interface {
	PermanentQRCode(ctx context.Context, scene string) (string, error)
}

// ContactWay is an associate's WeCom 「联系我」 (contact me) configuration:
// a QR code that makes whoever scans it the associate's WeCom contact, and
// whose add_external_contact event carries State.
type ContactWay struct {
	ConfigID string `json:"config_id" validate:"required,max=128"`
	QRCode   string `json:"qr_code,omitempty" validate:"omitempty,url,max=1000"`
	State    string `json:"state,omitempty" validate:"max=30"`
}

// ContactWayMaker makes WeCom 「联系我」 configurations.
type ContactWayMaker interface {
	// AddContactWay makes a QR configuration for associate id alone whose
	// contact events carry state, and returns it.
	AddContactWay(ctx context.Context, id AssociateID, state string) (*ContactWay, error)
}

// ContactWayStateMax is WeCom's limit on a contact way's state, in bytes.
const ContactWayStateMax = 30

// ContactWayState is the state of associate id's WeCom contact way: the
// scene of their Official Account code, cut to WeCom's 30 bytes. The cut
// loses nothing: the add_external_contact event names the associate in
// its UserID, and the state only tags where the client came from.
func ContactWayState(id AssociateID) string {
	s := AdvisorScenePrefix + string(id)
	if len(s) > ContactWayStateMax {
		s = s[:ContactWayStateMax] // userids are ASCII
	}
	return s
}

// CodeMakers are what makes an associate's codes; a nil one is a channel
// that is not configured.
type CodeMakers struct {
	OA    QRCodeMaker
	WeCom ContactWayMaker
}

// AssociateCodes are the codes an associate hands clients to become their
// advisor.
type AssociateCodes struct {
	// Scene is the Official Account QR scene, "adv:<userid>".
	Scene string
	// URL links to the Official Account QR image; "" without an Official
	// Account.
	URL string
	// WeCom is the WeCom contact way; nil without WeCom.
	WeCom *ContactWay
}

// AssociateQRCode returns the scene and image link of the associate's
// personal Official Account QR code, making it on first use (see
// AssociateCodes). EUNAVAILABLE without an Official Account.
func (s *Service) AssociateQRCode(ctx context.Context, id AssociateID, maker QRCodeMaker) (scene, url string, err error) {
	codes, err := s.AssociateCodes(ctx, id, CodeMakers{OA: maker})
	if err != nil {
		return "", "", err
	}
	if codes.URL == "" {
		return "", "", Errorf(EUNAVAILABLE, "no Official Account is configured to make QR codes")
	}
	return codes.Scene, codes.URL, nil
}

// AssociateCodes returns the associate's personal codes, making each on
// first use: the Official Account QR code (WeChat caps permanent codes at
// 100 000 an account, so one is made once and kept) and, when WeCom is
// configured, the WeCom contact way. The associate, their boutique's
// managers and admins may ask; ENOTFOUND for others, and for departed
// associates, whose codes must not link anyone any more. EUNAVAILABLE when
// no channel can make a code, or when WeChat refused one: a code already
// made is kept, so asking again makes only what is missing.
func (s *Service) AssociateCodes(ctx context.Context, id AssociateID, makers CodeMakers) (*AssociateCodes, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return nil, err
	}
	a, err := s.store.FindAssociate(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	allowed := p.Role == RoleAdmin ||
		(p.Role == RoleAssociate && p.Subject == string(id)) ||
		(p.Role == RoleManager && p.Boutique == a.Boutique)
	if !allowed || a.Status == StatusDeparted {
		return nil, Errorf(ENOTFOUND, "associate not found")
	}
	if err := s.associateInScope(ctx, a); err != nil {
		return nil, err
	}
	codes := &AssociateCodes{Scene: AdvisorScenePrefix + string(id), URL: a.QRCode, WeCom: a.WeCom}
	if codes.URL == "" && makers.OA != nil {
		url, err := makers.OA.PermanentQRCode(ctx, codes.Scene)
		if err != nil {
			return nil, &Error{Code: EUNAVAILABLE, Op: "make qr code", Message: "WeChat did not make the QR code; try again", Err: err}
		}
		if _, err := s.store.SetAssociateQRCode(ctx, id, url); err != nil {
			return nil, err
		}
		codes.URL = url
	}
	if codes.WeCom == nil && makers.WeCom != nil {
		cw, err := makers.WeCom.AddContactWay(ctx, id, ContactWayState(id))
		if err != nil {
			return nil, &Error{Code: EUNAVAILABLE, Op: "add contact way", Message: "WeCom did not make the contact code; try again", Err: err}
		}
		if err := Validate(cw); err != nil {
			return nil, Internal("add contact way", err)
		}
		if _, err := s.store.SetAssociateContactWay(ctx, id, cw); err != nil {
			return nil, err
		}
		codes.WeCom = cw
	}
	if codes.URL == "" && codes.WeCom == nil {
		return nil, Errorf(EUNAVAILABLE, "neither an Official Account nor WeCom is configured to make QR codes")
	}
	return codes, nil
}
