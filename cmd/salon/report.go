package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/api"
	"github.com/salonhq/salon/store"
)

const reportSynopsis = `salon report engagement --from DATE --to DATE [--format csv|json] [--boutique ID] [--associate ID]

Prints the engagement report of the days DATE to DATE (YYYY-MM-DD, both
included, at most 366): messages in and out, first-response times, cards,
orders and revenue, per associate, per boutique and in all. Without --token
it reads the data dir (stop salon serve first); with --token it asks the
running salon serve (a manager, crm or admin token).`

func cmdReport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", reportSynopsis, stderr)
	dataDir := dataDirFlag(fs, getenv)
	serverURL := serverURLFlag(fs, getenv)
	token := fs.String("token", "", "bearer token: go through the running server's API")
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD")
	format := fs.String("format", "json", "json or csv")
	boutique := fs.String("boutique", "", "only this boutique")
	associate := fs.String("associate", "", "only this associate")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "engagement" {
		fs.Usage()
		return &exitError{2, errors.New("report: say which report: engagement")}
	}
	if *format != "json" && *format != "csv" {
		return &exitError{2, fmt.Errorf("report: --format must be json or csv, not %q", *format)}
	}
	f := clienteling.EngagementFilter{From: *from, To: *to, Boutique: clienteling.BoutiqueID(*boutique),
		Associate: clienteling.AssociateID(*associate)}
	if *token != "" {
		return reportOverHTTP(ctx, strings.TrimRight(*serverURL, "/"), *token, f, *format, stdout)
	}
	path, err := existingDB(*dataDir)
	if err != nil {
		return err
	}
	db, err := store.Open(path, store.Options{LockTimeout: 2 * time.Second})
	if clienteling.ErrorCode(err) == clienteling.EINUSE {
		return errors.New("database is in use: pass --token to go through the running server")
	} else if err != nil {
		return err
	}
	defer db.Close()
	rep, err := clienteling.NewService(db, nil).Engagement(systemCtx(ctx), f)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return api.WriteEngagementCSV(stdout, rep)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// reportOverHTTP asks the running server for the report and copies its
// answer to stdout.
func reportOverHTTP(ctx context.Context, base, token string, f clienteling.EngagementFilter, format string, stdout io.Writer) error {
	q := url.Values{"from": {f.From}, "to": {f.To}}
	if f.Boutique != "" {
		q.Set("boutique", string(f.Boutique))
	}
	if f.Associate != "" {
		q.Set("associate", string(f.Associate))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/reports/engagement?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if format == "csv" {
		req.Header.Set("Accept", "text/csv")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("through %s: %s: %s", base, resp.Status, strings.TrimSpace(string(body)))
	}
	_, err = stdout.Write(body)
	return err
}
