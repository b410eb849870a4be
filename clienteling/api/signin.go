package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// SignInLinkPath is where the console takes a sign-in link's secret, in
// its query parameter "t".
const SignInLinkPath = "/signin/link"

// issueSignInLink takes {"associate": "amy"} and answers 201 with
// {"url", "expires_at"}: a console link that signs amy in once, for a
// few minutes, to hand over on a channel the issuer trusts.
func (s *Server) issueSignInLink(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Associate clienteling.AssociateID `json:"associate"`
	}
	if err := httpjson.Decode(w, r, &body); err != nil {
		return err
	}
	secret, l, err := s.svc.IssueSignInLink(r.Context(), body.Associate)
	if err != nil {
		return err
	}
	base := s.PublicURL
	if base == "" {
		base = "http://" + r.Host
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{
		"url":        base + SignInLinkPath + "?t=" + url.QueryEscape(secret),
		"expires_at": l.ExpiresAt.UTC().Format(time.RFC3339),
	})
	return nil
}
