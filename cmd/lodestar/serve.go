package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/config"
	"github.com/lodestar-hq/lodestar/internal/demo"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// DefaultAdminEmail is the first admin's address when none is given.
const DefaultAdminEmail = "admin@lodestar.local"

// serveGCPercent is serve's garbage-collection target unless GOGC is set.
const serveGCPercent = 300

func (e *cmdEnv) serve(args []string) error {
	fs := e.flags("serve")
	e.cfg.ServeFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.cfg.Validate(); err != nil {
		return errUsage{err.Error()}
	}
	// The certificate and key are read now, before the database is opened
	// or anything is announced: a missing or mismatched file said
	// "serving on https://…" and then failed.
	if e.cfg.TLSCert != "" || e.cfg.TLSKey != "" {
		if _, err := tls.LoadX509KeyPair(e.cfg.TLSCert, e.cfg.TLSKey); err != nil {
			return fmt.Errorf("TLS certificate %q and key %q: %w", e.cfg.TLSCert, e.cfg.TLSKey, err)
		}
	}
	log := newLogger(e.stderr, e.cfg.LogFormat, e.cfg.LogLevel)
	if e.getenv("GOGC") == "" {
		// The Go heap of a server stays small (SQLite keeps its page cache
		// outside it), so at the default of 100 it is collected after
		// every few ingested batches; at 300 ingestion takes about 10%
		// less CPU for some MiB more (bench/ingest, alternating runs).
		// GOGC in the environment overrides this.
		debug.SetGCPercent(serveGCPercent)
	}
	// The hash that makes a sign-in for an unknown address cost as much as
	// a real one, made now rather than by the first such sign-in.
	go auth.PrepareTiming()
	db, err := e.openDB(dbMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	// Each migration applied is logged by name as it begins and as it
	// ends, with its time: an upgrade is never silent.
	applied, err := db.MigrateWith(e.ctx, sqldb.MigrateProgress{
		Applying: func(m sqldb.Migration) {
			log.Info("applying migration", "migration", fmt.Sprintf("%04d_%s", m.Version, m.Name))
		},
		Applied: func(m sqldb.Migration, took time.Duration) {
			log.Info("migration applied", "migration", fmt.Sprintf("%04d_%s", m.Version, m.Name), "took", roundDuration(took).String())
		},
	})
	if err != nil {
		return err
	}
	schema, _, err := db.SchemaVersion(e.ctx)
	if err != nil {
		return err
	}
	log.Info("database ready", "dialect", string(db.Dialect), "where", db.Where, "schema_version", schema, "migrations_applied", applied)
	// Each switch stream holds a file descriptor: a cap the process cannot
	// hold (or none) lets streams take every descriptor, and then no
	// request — a flip of the kill switch neither — is accepted.
	if limit := config.OpenFileLimit(); limit > 0 && (e.cfg.MaxStreams == 0 || e.cfg.MaxStreams > limit-256) {
		log.Warn("--max-streams leaves too few file descriptors for requests: streams could take them all", "max_streams", e.cfg.MaxStreams, "open_file_limit", limit, "default", config.DefaultMaxStreams(limit))
	}

	proxies, err := httpx.ParseProxies(e.cfg.TrustedProxies) // checked by Validate
	if err != nil {
		return err
	}
	// Uploads are written as they arrive to a directory of this server's
	// own, under the data directory (on PostgreSQL, which has none, under
	// the system's temporary directory, $TMPDIR): what a server killed
	// mid-upload left there is removed now.
	uploadBase := filepath.Join(e.cfg.DataDir, "tmp")
	if e.cfg.DatabaseURL != "" {
		uploadBase = os.TempDir()
	}
	uploads, swept, err := httpx.OpenUploadDir(uploadBase, log)
	if err != nil {
		return err
	}
	defer uploads.Close()
	if swept > 0 {
		log.Info("removed uploads left by a stopped server", "directories", swept, "where", uploadBase)
	}
	a, err := app.New(db, log, app.Options{UploadDir: uploads.Path(), SessionTTL: e.cfg.SessionTTL, SessionIdle: e.cfg.SessionIdle, SecureCookies: e.cfg.SecureCookies || e.cfg.TLSCert != "",
		WebhookSecret: e.cfg.WebhookSecret, WebhookAllowPrivate: e.cfg.WebhookAllowPrivate, EventRetention: e.cfg.EventRetention, MonitorLateness: e.cfg.MonitorLateness,
		Proxies: proxies, IngestRate: e.cfg.IngestRate, MaxStreams: e.cfg.MaxStreams, MaxStreamsPerCredential: e.cfg.MaxStreamsPerCredential,
		MaxStreamsPerUser: e.cfg.MaxStreamsPerUser})
	if err != nil {
		return err
	}
	sys := lodestar.WithActor(e.ctx, lodestar.Actor{Label: "system"})
	if err := startAuditKeys(sys, db, log); err != nil {
		return err
	}
	if n, err := a.Store.BoundDriftDistances(sys); err != nil {
		// Nothing was changed (one transaction); the server can serve.
		log.Error("bounding monitors' drift distance thresholds", "err", err)
	} else if n > 0 {
		log.Warn("monitors' drift distance threshold lowered to √ln 2 ≈ 0.8326, the most now accepted (audited)", "monitors", n)
	}
	admin, password, err := e.ensureAdmin(sys, a)
	if err != nil {
		return err
	}
	demoPassword := ""
	if e.cfg.Demo {
		// The demo users get their own password: whoever is handed the
		// viewer's sign-in must not thereby hold the administrator's.
		if demoPassword, err = auth.GeneratePassword(); err != nil {
			return err
		}
		// The demo's stage changes happen on the dates of its story; the
		// clock is put back before the server starts.
		setNow := func(t time.Time) { db.Now = func() time.Time { return t } }
		n, err := demo.Load(sys, a.Store, setNow, demoPassword)
		db.Now = time.Now
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if n > 0 {
			log.Info("demo enterprise loaded", "records", n)
		} else {
			demoPassword = "" // already loaded: its users keep their passwords
		}
	}

	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Addr, err)
	}
	scheme := "http"
	if e.cfg.TLSCert != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s", scheme, ln.Addr().String())
	fmt.Fprintf(e.stdout, "Lodestar is serving on %s\n", url)
	if password != "" {
		fmt.Fprintf(e.stdout, "Sign in as %s with password %s (shown once; replace it with: lodestar user set-password --email %s)\n", admin, password, admin)
	} else if admin != "" {
		fmt.Fprintf(e.stdout, "Sign in as %s with the password from LODESTAR_ADMIN_PASSWORD\n", admin)
	}
	if demoPassword != "" {
		fmt.Fprintf(e.stdout, "Demo users share the password %s: %s\n", demoPassword, demo.UserList())
	}

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: nil}
	// The switch streams' connections are the hub's, not the server's:
	// it ends them when the server shuts down.
	srv.RegisterOnShutdown(a.API.Hub.Close)
	errc := make(chan error, 1)
	go func() {
		if e.cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, e.cfg.TLSCert, e.cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	monCtx, stopMonitors := context.WithCancel(sys)
	defer stopMonitors()
	// Monitoring's loops end before the database is closed: a delivery in
	// flight finishes (or times out) and is recorded.
	monDone := make(chan struct{})
	if e.cfg.MonitorInterval > 0 {
		go func() {
			defer close(monDone)
			a.Monitoring.Run(monCtx, e.cfg.MonitorInterval)
		}()
	} else {
		close(monDone)
	}
	defer func() { stopMonitors(); <-monDone }()
	go a.FollowSwitches(monCtx)
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
	}
	stopMonitors()
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-monDone
	log.Info("stopped")
	return nil
}

// ensureAdmin creates the first admin when there are no users. It returns
// the admin's e-mail and, when it generated one, the password to print.
func (e *cmdEnv) ensureAdmin(ctx context.Context, a *app.App) (email, generated string, err error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", "", err
	}
	email = e.getenv("LODESTAR_ADMIN_EMAIL")
	if email == "" {
		email = DefaultAdminEmail
	}
	password := e.getenv("LODESTAR_ADMIN_PASSWORD")
	if password == "" {
		if password, err = auth.GeneratePassword(); err != nil {
			return "", "", err
		}
		generated = password
	}
	if _, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: email, Name: "Administrator", Role: lodestar.RoleAdmin, Password: password}); err != nil {
		if lodestar.ErrorCode(err) == lodestar.EConflict {
			// Another replica starting on the same empty database made
			// the first admin a moment ago: theirs stands, as if it had
			// been there when this one counted.
			return "", "", nil
		}
		return "", "", fmt.Errorf("create the first admin from LODESTAR_ADMIN_EMAIL/LODESTAR_ADMIN_PASSWORD: %s", lodestar.ErrorMessage(err)+fieldText(err))
	}
	return email, generated, nil
}

func fieldText(err error) string {
	var le *lodestar.Error
	if !errors.As(err, &le) || len(le.Fields) == 0 {
		return ""
	}
	// In field order, and a field whose message is the error's own (a
	// FieldError) only named: the CLI printed "X. status: X." twice over.
	s := ""
	for _, f := range slices.Sorted(maps.Keys(le.Fields)) {
		if m := le.Fields[f]; m == le.Message {
			s += fmt.Sprintf(" (%s)", f)
		} else {
			s += fmt.Sprintf(" %s: %s", f, m)
		}
	}
	return s
}
