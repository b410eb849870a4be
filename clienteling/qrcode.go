package clienteling

import "context"

// QRCodeMaker makes a permanent Official Account QR code for a scene and
// returns the link to its image.
type QRCodeMaker interface {
	PermanentQRCode(ctx context.Context, scene string) (string, error)
}

// AssociateQRCode returns the scene and image link of the associate's
// personal QR code, making it on first use: WeChat caps permanent codes at
// 100 000 an account, so one is made once and kept. The associate, their
// boutique's managers and admins may ask; ENOTFOUND for others, and for
// departed associates, whose codes must not link anyone any more.
func (s *Service) AssociateQRCode(ctx context.Context, id AssociateID, maker QRCodeMaker) (scene, url string, err error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return "", "", err
	}
	a, err := s.store.FindAssociate(ctx, id)
	if err != nil {
		return "", "", err
	}
	p := PrincipalFrom(ctx)
	allowed := p.Role == RoleAdmin ||
		(p.Role == RoleAssociate && p.Subject == string(id)) ||
		(p.Role == RoleManager && p.Boutique == a.Boutique)
	if !allowed || a.Status == StatusDeparted {
		return "", "", Errorf(ENOTFOUND, "associate not found")
	}
	scene = AdvisorScenePrefix + string(id)
	if a.QRCode != "" {
		return scene, a.QRCode, nil
	}
	if maker == nil {
		return "", "", Errorf(EUNAVAILABLE, "no Official Account is configured to make QR codes")
	}
	url, err = maker.PermanentQRCode(ctx, scene)
	if err != nil {
		return "", "", &Error{Code: EUNAVAILABLE, Op: "make qr code", Message: "WeChat did not make the QR code; try again", Err: err}
	}
	if _, err := s.store.SetAssociateQRCode(ctx, id, url); err != nil {
		return "", "", err
	}
	return scene, url, nil
}
