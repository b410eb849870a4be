package api

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// Backuper writes a consistent copy of the database.
type Backuper interface {
	Backup(w io.Writer) (int64, error)
}

// Server serves /api/v1.
type Server struct {
	svc    *clienteling.Service
	backup Backuper
	log    *slog.Logger

	// QRCodes makes associates' personal QR codes; nil answers 503 on
	// the QR route (no Official Account configured).
	QRCodes clienteling.QRCodeMaker
	// ContactWays makes associates' WeCom contact ways on the same route;
	// nil without WeCom.
	ContactWays clienteling.ContactWayMaker
	// Orders is the order desk; nil answers 503 on the orders routes.
	Orders *clienteling.Orders
	// Payments refunds through WeChat Pay; nil answers 503 on refunds.
	Payments clienteling.PayGateway
	// PublicURL is the base of the console links the API hands out; empty
	// takes the request's host.
	PublicURL string
}

// New returns the API over svc. backup may be nil, which disables the
// backup route.
func New(svc *clienteling.Service, backup Backuper, log *slog.Logger) *Server {
	return &Server{svc: svc, backup: backup, log: log}
}

// Mux is where Register adds routes: an *http.ServeMux, or a wrapper that
// also records them (the authorisation matrix test lists every route so
// that none is added without its row).
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Register adds the API's routes to mux. Under /api/, a path no route
// serves answers 404 and a wrong method 405 with Allow, both as the JSON
// error and both only to an authenticated caller, so that the routes are
// not mapped by strangers.
func (s *Server) Register(mux Mux) {
	routes := &httpjson.Routes{NotFound: "no such API route"}
	route := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.authenticated(h))
		routes.Add(pattern)
	}
	route("POST /api/v1/boutiques", s.createBoutique)
	route("GET /api/v1/boutiques", s.listBoutiques)
	route("POST /api/v1/associates", s.createAssociate)
	route("GET /api/v1/associates", s.listAssociates)
	route("POST /api/v1/tokens", s.issueToken)
	route("GET /api/v1/tokens", s.listTokens)
	route("DELETE /api/v1/tokens/{id}", s.revokeToken)
	route("POST /api/v1/products", s.putProduct)
	route("GET /api/v1/products", s.listProducts)
	route("GET /api/v1/reports/engagement", s.engagement)
	route("GET /api/v1/brands/{brand}", s.getBrand)
	route("PUT /api/v1/brands/{brand}", s.putBrand)
	route("GET /api/v1/customers", s.findCustomers)
	route("GET /api/v1/customers/{id}", s.getCustomer)
	route("GET /api/v1/customers/{id}/messages", s.listMessages)
	route("POST /api/v1/customers/{id}/messages", s.reply)
	route("PATCH /api/v1/customers/{id}/profile", s.updateProfile)
	route("POST /api/v1/customers/{id}/notes", s.addNote)
	route("GET /api/v1/customers/{id}/notes", s.listNotes)
	route("GET /api/v1/customers/{id}/export", s.exportCustomer)
	route("DELETE /api/v1/customers/{id}", s.eraseCustomer)
	route("POST /api/v1/associates/{userid}/qrcode", s.associateQRCode)
	route("GET /api/v1/admin/backup", s.streamBackup)
	route("POST /api/v1/transfers", s.transfer)
	route("POST /api/v1/signin-links", s.issueSignInLink)
	s.registerDesk(route)
	s.registerOrders(route)
	mux.Handle(openAPIPattern, http.HandlerFunc(serveOpenAPI))
	routes.Add(openAPIPattern)
	mux.Handle("/api/", s.authenticated(routes.Unmatched))
}

// authenticated resolves the bearer token into a principal in the request
// context before h runs, and turns h's error into the JSON error answer.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			httpjson.WriteError(w, r, s.log, clienteling.Errorf(clienteling.EUNAUTHORIZED, "missing bearer token"))
			return
		}
		p, err := s.svc.Authenticate(r.Context(), secret)
		if err != nil {
			httpjson.WriteError(w, r, s.log, err)
			return
		}
		r = r.WithContext(clienteling.WithPrincipal(r.Context(), p))
		if err := h(w, r); err != nil {
			httpjson.WriteError(w, r, s.log, err)
		}
	})
}

// bearer returns the credentials of an Authorization header of the Bearer
// scheme, whose name is case-insensitive (RFC 9110, section 11.1).
func bearer(header string) (string, bool) {
	scheme, credentials, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(credentials), true
}

func (s *Server) createBoutique(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleAdmin); err != nil {
		return err
	}
	var b clienteling.Boutique
	if err := httpjson.Decode(w, r, &b); err != nil {
		return err
	}
	if err := s.svc.CreateBoutique(r.Context(), &b); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, &b)
	return nil
}

func (s *Server) listBoutiques(w http.ResponseWriter, r *http.Request) error {
	bs, err := s.svc.Boutiques(r.Context())
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"boutiques": nonNil(bs)})
	return nil
}

func (s *Server) createAssociate(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleAdmin); err != nil {
		return err
	}
	var a clienteling.Associate
	if err := httpjson.Decode(w, r, &a); err != nil {
		return err
	}
	if err := s.svc.CreateAssociates(r.Context(), &a); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, &a)
	return nil
}

func (s *Server) listAssociates(w http.ResponseWriter, r *http.Request) error {
	as, err := s.svc.Associates(r.Context(), clienteling.AssociateFilter{Boutique: clienteling.BoutiqueID(r.URL.Query().Get("boutique"))})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"associates": nonNil(as)})
	return nil
}

func (s *Server) putProduct(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleCRM, clienteling.RoleAdmin); err != nil {
		return err
	}
	var p clienteling.Product
	if err := httpjson.Decode(w, r, &p); err != nil {
		return err
	}
	if err := s.svc.PutProducts(r.Context(), &p); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, &p)
	return nil
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		return clienteling.FieldError("q", "must be at most 200 characters")
	}
	limit, err := intParam(r, "limit", 100, 1000)
	if err != nil {
		return err
	}
	ps, err := s.svc.FindProducts(r.Context(), clienteling.ProductFilter{Query: q, Limit: limit})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"products": nonNil(ps)})
	return nil
}

// findCustomers looks one customer up by channel identity, or lists the
// caller's book when no identity is given.
func (s *Server) findCustomers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Has("channel") || q.Has("external_id") {
		c, err := s.svc.FindCustomerByIdentity(r.Context(), clienteling.Identity{Channel: q.Get("channel"), ExternalID: q.Get("external_id")})
		if err != nil {
			return err
		}
		httpjson.Write(w, http.StatusOK, c)
		return nil
	}
	limit, err := intParam(r, "limit", 100, 1000)
	if err != nil {
		return err
	}
	after := clienteling.CustomerID(q.Get("after"))
	cs, err := s.svc.FindCustomers(r.Context(), clienteling.CustomerFilter{After: after, Limit: limit})
	if err != nil {
		return err
	}
	next := ""
	if len(cs) == limit {
		next = string(cs[len(cs)-1].ID)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"customers": nonNil(cs), "next": next})
	return nil
}

// getCustomer answers a client with its ETag, for If-Match on a profile
// change.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.FindCustomerByID(r.Context(), clienteling.CustomerID(r.PathValue("id")))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", clienteling.CustomerETag(c))
	httpjson.Write(w, http.StatusOK, c)
	return nil
}

// listMessages answers a page of a client's history, or, with q, a page of
// the messages that contain q (see searchMessages).
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("q") {
		return s.searchMessages(w, r)
	}
	limit, err := intParam(r, "limit", clienteling.DefaultPageSize, clienteling.MaxPageSize)
	if err != nil {
		return err
	}
	ms, next, err := s.svc.Messages(r.Context(), clienteling.CustomerID(r.PathValue("id")),
		clienteling.MessagePage{Limit: limit, Before: r.URL.Query().Get("before")})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"messages": nonNil(ms), "next": next})
	return nil
}

// replyRequest is an associate's reply: a text, an image, an article or
// link, a template message for a client outside the service window (see
// clienteling.Outgoing), or a product card by sku with an optional note
// (see clienteling.CardRequest).
type replyRequest struct {
	clienteling.Outgoing
	SKU  string `json:"sku,omitempty"`
	Note string `json:"note,omitempty"`
}

// reply queues an associate's message to a client and answers 202 with it:
// it is in the history at once, and its status tells how delivery goes.
func (s *Server) reply(w http.ResponseWriter, r *http.Request) error {
	var req replyRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Type == clienteling.TypeCard {
		return s.sendCard(w, r, &req)
	}
	if req.SKU != "" {
		return clienteling.FieldError("sku", "is not used by type %s", req.Type)
	}
	if req.Note != "" {
		return clienteling.FieldError("note", "is not used by type %s", req.Type)
	}
	m, err := s.svc.Send(r.Context(), clienteling.CustomerID(r.PathValue("id")), &req.Outgoing)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusAccepted, m)
	return nil
}

// streamBackup sends a consistent copy of the database, for `salon backup`
// while the server holds the file lock. Group-wide admins only: the copy
// holds every brand's data.
func (s *Server) streamBackup(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.RequireGroupWide(r.Context(), "take a backup", clienteling.RoleAdmin); err != nil {
		return err
	}
	if s.backup == nil {
		return clienteling.Errorf(clienteling.ENOTFOUND, "backup is not available")
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="salon-`+time.Now().UTC().Format("20060102T150405Z")+`.db"`)
	if _, err := s.backup.Backup(w); err != nil {
		// Headers are gone; cut the stream so the client sees a short copy
		// instead of a complete-looking bad one.
		s.log.ErrorContext(r.Context(), "backup failed mid-stream", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// intParam reads a positive integer query parameter, def if absent.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, clienteling.FieldError(name, "must be a whole number from 1 to %d", max)
	}
	return n, nil
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// associateQRCode answers the associate's personal codes, made on first
// use: {"scene": "adv:amy", "url": "...", "wecom": {"config_id": "...",
// "qr_code": "...", "state": "adv:amy"}}; wecom only when WeCom is
// configured, url empty when only WeCom is.
func (s *Server) associateQRCode(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.svc.AssociateCodes(r.Context(), clienteling.AssociateID(r.PathValue("userid")),
		clienteling.CodeMakers{OA: s.QRCodes, WeCom: s.ContactWays})
	if err != nil {
		return err
	}
	out := struct {
		Scene string                  `json:"scene"`
		URL   string                  `json:"url"`
		WeCom *clienteling.ContactWay `json:"wecom,omitempty"`
	}{codes.Scene, codes.URL, codes.WeCom}
	httpjson.Write(w, http.StatusOK, out)
	return nil
}
