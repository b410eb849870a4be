// Package qrcode makes associates' personal Official Account QR codes: a
// permanent code whose scene string, adv:<userid>, links whoever follows or
// scans through it to that associate (see clienteling.DecideLink).
package qrcode

import (
	"context"
	"errors"
	"net/url"
)

// Poster calls WeChat's API with an access token: a
// *wxclient.AccessTokenProvider for the Official Account.
type Poster interface {
	PostJSON(ctx context.Context, path string, query url.Values, in, out any) error
}

// Maker creates permanent QR codes.
type Maker struct{ oa Poster }

// New returns a Maker calling the Official Account API through oa.
func New(oa Poster) *Maker { return &Maker{oa: oa} }

// createRequest is the body of /cgi-bin/qrcode/create for a permanent code
// with a string scene (at most 64 bytes, 100 000 codes an account).
type createRequest struct {
	ActionName string `json:"action_name"`
	ActionInfo struct {
		Scene struct {
			SceneStr string `json:"scene_str"`
		} `json:"scene"`
	} `json:"action_info"`
}

type createResponse struct {
	Ticket string `json:"ticket"`
	URL    string `json:"url"`
}

// ImageBase is where WeChat serves a code's image by ticket. It is a
// browser link, not an API call, so SALON_WECHAT_API_BASE does not apply.
const ImageBase = "https://mp.weixin.qq.com/cgi-bin/showqrcode"

// PermanentQRCode creates the permanent code for scene and returns the link
// to its image, which can be printed or shown on an associate's phone.
func (m *Maker) PermanentQRCode(ctx context.Context, scene string) (string, error) {
	if scene == "" || len(scene) > 64 {
		return "", errors.New("qrcode: scene must be 1 to 64 bytes")
	}
	var req createRequest
	req.ActionName = "QR_LIMIT_STR_SCENE"
	req.ActionInfo.Scene.SceneStr = scene
	var resp createResponse
	if err := m.oa.PostJSON(ctx, "/cgi-bin/qrcode/create", nil, &req, &resp); err != nil {
		return "", err
	}
	if resp.Ticket == "" {
		return "", errors.New("qrcode: WeChat answered no ticket")
	}
	return ImageBase + "?ticket=" + url.QueryEscape(resp.Ticket), nil
}
