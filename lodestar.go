// Package lodestar holds Lodestar's domain types, the service interfaces the
// rest of the program is written against, and the error type every layer
// shares. It imports nothing of the project.
package lodestar

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Error codes. Each maps to one HTTP status in internal/httpx.
const (
	EInvalid         = "invalid"            // the request is malformed or fails validation (400)
	EUnauthorized    = "unauthorized"       // no valid credentials (401)
	EForbidden       = "forbidden"          // credentials valid, role does not allow it (403)
	ENotFound        = "not_found"          // the entity or route does not exist (404)
	EMethod          = "method_not_allowed" // the route exists, the method does not (405)
	EConflict        = "conflict"           // duplicate or stale write (409)
	ETooLarge        = "too_large"          // request body over the limit (413)
	EUnsupported     = "unsupported_media"  // wrong content type (415)
	ETooManyRequests = "too_many_requests"  // throttled (429)
	EInternal        = "internal"           // anything else; never shown in detail (500)
	EUnavailable     = "unavailable"        // a dependency is down (503)
)

// Error is an error whose Message is safe to show to the user who caused it.
// Fields names the input fields at fault, each with its own message.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// Current, on a conflict with a change made since the caller read
	// the record (a stale version), is the record as it is now: the API
	// gives it as the error's "current" so a client need not read again
	// to learn what it would overwrite.
	Current any
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("lodestar error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error that names one offending field.
func FieldError(field, message string) *Error {
	return &Error{Code: EInvalid, Message: message, Fields: map[string]string{field: message}}
}

// ErrorCode returns the code of err's *Error, EInternal for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorFields returns the offending fields of err's *Error, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorMessage returns the user-safe message of err's *Error, or a generic
// message for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorCurrent returns the record as it is now that err's *Error carries
// (a conflict with a change made since the caller read it), or nil.
func ErrorCurrent(err error) any {
	var e *Error
	if errors.As(err, &e) {
		return e.Current
	}
	return nil
}

// Role is what a user may do. Roles are flat; the matrix of what each may
// reach lives in internal/auth/policy.go.
type Role string

// The roles, from PRODUCT.md's personas.
const (
	RoleAdmin         Role = "admin"
	RoleCommittee     Role = "committee"
	RoleBusinessOwner Role = "business_owner"
	RoleAITeam        Role = "ai_team"
	RoleRiskOfficer   Role = "risk_officer"
	RoleDataSteward   Role = "data_steward"
	RoleViewer        Role = "viewer"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAdmin, RoleCommittee, RoleBusinessOwner, RoleAITeam, RoleRiskOfficer, RoleDataSteward, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person who signs in to Lodestar.
type User struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Locale      string    `json:"locale"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidDate reports whether s is a YYYY-MM-DD calendar date.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// NewUser is the input for creating a user.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
	Locale   string
}

// UserService manages users and their credentials.
type UserService interface {
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	CountUsers(ctx context.Context) (int, error)
	SetRole(ctx context.Context, email string, role Role) (*User, error)
	SetDisabled(ctx context.Context, email string, disabled bool) (*User, error)
	SetLocale(ctx context.Context, userID int64, locale string) error
	// SetPassword is an administrator's reset: a new password for the user
	// with email, every session of theirs ended.
	SetPassword(ctx context.Context, email, password string) (*User, error)
	// ChangePassword is a user's own change: current must be their
	// password (wrong ones are throttled as sign-ins are, ETooManyRequests
	// past the limit); every session of theirs but keep is ended.
	ChangePassword(ctx context.Context, userID, keep int64, current, next string) (*User, error)
	// Authenticate checks an e-mail and password, applying login throttling
	// keyed by e-mail and client address. It returns EUnauthorized for bad
	// credentials and ETooManyRequests while throttled.
	Authenticate(ctx context.Context, email, password, client string) (*User, error)
}

// Session is a signed-in browser. The secret that identifies it is only
// ever held by the browser; the store keeps its hash.
type Session struct {
	ID        int64
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionService creates, resolves and ends browser sessions.
type SessionService interface {
	// CreateSession returns the new session and the secret for its cookie.
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (*Session, string, error)
	// ResolveSession returns the session and its user for a cookie secret;
	// EUnauthorized if unknown, expired or the user is disabled.
	ResolveSession(ctx context.Context, secret string) (*Session, *User, error)
	DeleteSession(ctx context.Context, secret string) error
}

// APIToken is a bearer credential for the API. Its secret is shown once at
// creation and stored only as a hash.
type APIToken struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	// ExpiresAt is when the token stops working; zero: never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Models, when any, are the only models whose events and labels the
	// token may send (an ingest token bound to them); none: every model
	// its user's role may reach, as every token made before binding.
	Models []TokenModel `json:"models,omitempty"`
}

// TokenModel is a model a token is bound to, by ID and key.
type TokenModel struct {
	ID  int64  `json:"id"`
	Key string `json:"key"`
}

// MayIngestTo reports whether the token may send events and labels for
// the model: any model when it is bound to none.
func (t *APIToken) MayIngestTo(modelID int64) bool {
	if len(t.Models) == 0 {
		return true
	}
	for _, m := range t.Models {
		if m.ID == modelID {
			return true
		}
	}
	return false
}

// ModelKeys are the keys of the models the token is bound to.
func (t *APIToken) ModelKeys() []string {
	keys := make([]string, len(t.Models))
	for i, m := range t.Models {
		keys[i] = m.Key
	}
	return keys
}

// NewToken is what CreateTokenFor makes a token of.
type NewToken struct {
	Email  string // the user the token acts as
	Name   string
	Scopes []string // none: write
	// Expires is when the token stops working; zero: never.
	Expires time.Time
	// Models binds the token to these models (keys, or IDs as the API's
	// paths take them): it may send events and labels to them only. None:
	// every model. Binding needs the ingest scope and refuses write (a
	// write token reaches every model's routes anyway); it restricts the
	// ingestion routes only, not what a read scope may read.
	Models []string
}

// Expired reports whether the token has expired at now.
func (t *APIToken) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// MaxTokenLifetime is the furthest ahead a token's expiry may be set.
const MaxTokenLifetime = 5 * 366 * 24 * time.Hour

// Token scopes. A token's scopes narrow its user's role; they never widen it.
const (
	ScopeRead  = "read"  // GET requests only
	ScopeWrite = "write" // every method the user's role allows
	// ScopeIngest lets a production service send prediction events and
	// labels, and nothing else unless another scope is also given.
	ScopeIngest = "ingest"
)

// TokenService manages API tokens.
type TokenService interface {
	// CreateToken returns the token and its secret, which is not stored.
	// The token does not expire.
	CreateToken(ctx context.Context, email, name string, scopes []string) (*APIToken, string, error)
	// CreateTokenUntil is CreateToken for a token that stops working at
	// expires (zero: never); an expiry not ahead of now, or more than
	// MaxTokenLifetime ahead, is a field error on "expires".
	CreateTokenUntil(ctx context.Context, email, name string, scopes []string, expires time.Time) (*APIToken, string, error)
	// CreateTokenFor is CreateTokenUntil that may bind the token to
	// models; a model that is not there or is archived, or a binding
	// without the ingest scope or with write, is a field error on
	// "models" and nothing is made.
	CreateTokenFor(ctx context.Context, nt NewToken) (*APIToken, string, error)
	// ResolveToken returns the token and its user; EUnauthorized when the
	// secret is unknown, revoked or expired, or the user is disabled.
	ResolveToken(ctx context.Context, secret string) (*APIToken, *User, error)
	RevokeToken(ctx context.Context, id int64) error
	ListTokens(ctx context.Context, email string) ([]*APIToken, error)
}

// UseCase is an AI initiative derived from business pain points and bound
// to the KPIs it promises to move. Alignment and Score are computed by the
// portfolio engine on every write, never typed.
type UseCase struct {
	ID             int64       `json:"id"`
	Title          string      `json:"title"`
	TitleZH        string      `json:"title_zh,omitempty"`
	Description    string      `json:"description"`
	BusinessUnitID int64       `json:"business_unit_id,omitempty"`
	SponsorID      int64       `json:"sponsor_id,omitempty"`
	AILeadID       int64       `json:"ai_lead_id,omitempty"`
	Stage          string      `json:"stage"`
	StageChangedAt time.Time   `json:"stage_changed_at"`
	PainPointIDs   []int64     `json:"pain_point_ids"`
	Impacts        []Impact    `json:"impacts"`
	ValueEstimate  int64       `json:"value_estimate"` // expected annual value, whole currency units
	CostEstimate   int64       `json:"cost_estimate"`  // expected annual cost, whole currency units
	Feasibility    Feasibility `json:"feasibility"`
	Tags           []string    `json:"tags"`
	RiskTier       string      `json:"risk_tier"`
	Alignment      Alignment   `json:"alignment"`
	Score          float64     `json:"score"`
	Archived       bool        `json:"archived"`
	CreatedBy      int64       `json:"created_by"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// MaxEstimate bounds a use case's ValueEstimate and CostEstimate and a
// pain point's AnnualCost (whole currency units, a trillion): far above
// any one record's annual value or cost in any currency, and low enough
// that the portfolio's and the pain points' totals over millions of
// records stay inside int64 on both databases. It is an int64, as the
// fields it bounds are: untyped, it defaulted to int where no type was
// named (fmt's arguments), which does not compile on 32-bit platforms.
const MaxEstimate int64 = 1_000_000_000_000

// NewUseCase is the input for creating or replacing a use case. Stage is
// only read at creation (default idea); later moves go through ChangeStage.
type NewUseCase struct {
	Title          string      `json:"title"`
	TitleZH        string      `json:"title_zh,omitempty"`
	Description    string      `json:"description"`
	BusinessUnitID int64       `json:"business_unit_id,omitempty"`
	SponsorID      int64       `json:"sponsor_id,omitempty"`
	AILeadID       int64       `json:"ai_lead_id,omitempty"`
	Stage          string      `json:"stage,omitempty"`
	PainPointIDs   []int64     `json:"pain_point_ids,omitempty"`
	Impacts        []Impact    `json:"impacts,omitempty"`
	ValueEstimate  int64       `json:"value_estimate,omitempty"`
	CostEstimate   int64       `json:"cost_estimate,omitempty"`
	Feasibility    Feasibility `json:"feasibility,omitzero"`
	Tags           []string    `json:"tags,omitempty"`
}

// UseCaseFilter selects, sorts and pages use cases. Without Sort, results
// are ordered by ID descending and After is the cursor (IDs below it);
// with Sort, Offset pages.
type UseCaseFilter struct {
	Query          string
	BusinessUnitID int64
	Stage          string
	Alignment      string // aligned | misaligned
	Archived       bool   // include archived
	Active         bool   // only use cases not rejected or retired
	Sort           string // "", "score", "-score", "title", "value", "feasibility", "cost", "updated", each with "-" for descending
	After          int64
	Offset         int
	Limit          int
}

// UseCaseService manages use cases.
type UseCaseService interface {
	CreateUseCase(ctx context.Context, in NewUseCase) (*UseCase, error)
	UpdateUseCase(ctx context.Context, id int64, in NewUseCase) (*UseCase, error)
	FindUseCaseByID(ctx context.Context, id int64) (*UseCase, error)
	// FindUseCases returns one page and the total number matching.
	FindUseCases(ctx context.Context, f UseCaseFilter) ([]*UseCase, int, error)
	// ChangeStage moves a use case along its lifecycle, recording who and why.
	ChangeStage(ctx context.Context, id int64, to, reason string) (*UseCase, error)
	StageHistory(ctx context.Context, id int64) ([]*StageChange, error)
	ArchiveUseCase(ctx context.Context, id int64, archived bool) (*UseCase, error)
	// SetRiskTier records a use case's assessed risk tier (minimal,
	// limited, high or prohibited) and why, and re-scores it; the audit
	// entry keeps the reason.
	SetRiskTier(ctx context.Context, id int64, tier, reason string) (*UseCase, error)
}

// AuditEvent is one entry of the append-only, hash-chained audit log.
type AuditEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Before     int64 // cursor: only events with Seq below it
	Limit      int
	// ExcludeActions leaves out events of these actions (the dashboard's
	// changes leave out sign-ins and language switches).
	ExcludeActions []string
	// ByTime orders by the events' times, then Seq, instead of by Seq
	// alone: the same order unless entries were written with back-dated
	// times, as the demo's story is (its steps are loaded by kind, each
	// on its own dates). Before is not used with it.
	ByTime bool
	// From and To keep events at or after From and before To (zero: no
	// bound); ParseTimeRange reads them from a query.
	From, To time.Time
}

// ParseTimeRange reads a from/to pair as a query gives it: a date
// (YYYY-MM-DD, UTC; "to" takes in its whole day) or an RFC 3339 time;
// blank leaves that side open. A bad value, or to before from, is a field
// error on "from" or "to".
func ParseTimeRange(from, to string) (time.Time, time.Time, error) {
	read := func(field, s string, end bool) (time.Time, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, FieldError(field, "Give a date (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-03-01T09:00:00Z).")
	}
	f, err := read("from", from, false)
	if err != nil {
		return f, f, err
	}
	t, err := read("to", to, true)
	if err != nil {
		return f, t, err
	}
	if !f.IsZero() && !t.IsZero() && !t.After(f) {
		return f, t, FieldError("to", "The end must come after the start.")
	}
	return f, t, nil
}

// AuditBreak describes the first entry at which the chain fails to verify.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// AuditService reads and verifies the audit log. Writes happen inside the
// other services' transactions.
type AuditService interface {
	FindEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// Verify walks the whole chain; it returns the number of entries checked
	// and nil, or the first break. When keyed entries could not be checked
	// for want of their key, the error says so (it is not a success).
	Verify(ctx context.Context) (int64, *AuditBreak, error)
}

// Actor is who performs a change: a user, or the system itself (ID 0) for
// start-up and CLI work.
type Actor struct {
	ID    int64
	Label string
	Role  Role
	// Via is the way the change came in: ViaWeb, ViaAPI or ViaCLI; ""
	// when it is not known (the system's own work, changes made before
	// it was recorded).
	Via string
}

// The ways a change comes in, as Actor.Via records them.
const (
	ViaWeb = "web" // a signed-in person's form on the web pages
	ViaAPI = "api" // a call to the JSON API with a token
	ViaCLI = "cli" // the lodestar command, on the database directly
)

type actorKey struct{}

// WithActor returns a context carrying the actor of the changes made with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

type basedOnKey struct{}

// WithBasedOn returns a context saying the update made with it is based
// on the record as it was when last changed at updatedAt (its UpdatedAt
// when the person opened the form): an update of a record changed since
// is refused as a conflict, instead of silently undoing that change.
func WithBasedOn(ctx context.Context, updatedAt time.Time) context.Context {
	return context.WithValue(ctx, basedOnKey{}, updatedAt)
}

// BasedOn returns what WithBasedOn put in ctx.
func BasedOn(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(basedOnKey{}).(time.Time)
	return t, ok
}

// ErrChangedSince is the refusal of an update based on an older version.
func ErrChangedSince() error {
	return Errorf(EConflict, "Someone else changed this record after you opened it. Reload the page to see their change, then make yours again.")
}

type fromKey struct{}

// WithFrom returns a context saying the stage or status change made with
// it is based on the record being in stage (or status) from, as the
// person saw it: a change of a use case's stage, or of a model version's
// status, that is no longer from is refused as a conflict
// (ErrStageChangedSince, ErrStatusChangedSince) instead of silently
// reversing the decision made since.
func WithFrom(ctx context.Context, from string) context.Context {
	return context.WithValue(ctx, fromKey{}, from)
}

// From returns what WithFrom put in ctx.
func From(ctx context.Context) (string, bool) {
	f, ok := ctx.Value(fromKey{}).(string)
	return f, ok
}

// ErrStageChangedSince is the refusal of a stage change based on a stage
// the use case has left: it is in stage now, since by moved it there at
// at (by "" when no one is on record: the message then names no one).
// cur is the use case as it is now.
func ErrStageChangedSince(stage, by string, at time.Time, cur any) error {
	if by == "" {
		return &Error{Code: EConflict, Current: cur, Message: fmt.Sprintf("The use case's stage changed after you opened it: it is now %s. Your stage change was not made; check the use case as it is now, then change its stage again if you still need to.", stage)}
	}
	return &Error{Code: EConflict, Current: cur, Message: fmt.Sprintf("The use case's stage changed after you opened it: it is now %s, changed by %s at %s. Your stage change was not made; check the use case as it is now, then change its stage again if you still need to.",
		stage, by, at.UTC().Truncate(time.Second).Format(time.RFC3339))}
}

// ErrStatusChangedSince is ErrStageChangedSince for a model version's
// status.
func ErrStatusChangedSince(status, by string, at time.Time, cur any) error {
	if by == "" {
		return &Error{Code: EConflict, Current: cur, Message: fmt.Sprintf("The version's status changed after you opened it: it is now %s. Your status change was not made; check the version as it is now, then change its status again if you still need to.", status)}
	}
	return &Error{Code: EConflict, Current: cur, Message: fmt.Sprintf("The version's status changed after you opened it: it is now %s, changed by %s at %s. Your status change was not made; check the version as it is now, then change its status again if you still need to.",
		status, by, at.UTC().Truncate(time.Second).Format(time.RFC3339))}
}

// ActorFrom returns the context's actor, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{ID: 0, Label: "system"}
}

// RedactDSN returns a database URL fit to print or log: the password in
// its user part, and any query parameter that holds one (password, or
// sslpassword: the client key's passphrase; names matched in any case,
// percent-encoded or not), replaced by "***". The rest is kept as written.
func RedactDSN(u string) string {
	// The user part ends at the last '@' that a path ('/') still
	// follows: a password may hold '@' or '?' written raw, a query may
	// hold '@' too (application_name=a@b), but the host comes before the
	// path. With no path, the last '@'.
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	for i := at; i > scheme && scheme >= 0; i = strings.LastIndex(u[:i], "@") {
		if strings.Contains(u[i+1:], "/") {
			at = i
			break
		}
	}
	if at >= 0 && scheme >= 0 && at > scheme {
		creds := u[scheme+3 : at]
		if i := strings.Index(creds, ":"); i >= 0 {
			creds = creds[:i] + ":***"
		}
		u = u[:scheme+3] + creds + u[at:]
	}
	if q := strings.Index(u, "?"); q >= 0 {
		params := strings.Split(u[q+1:], "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if strings.EqualFold(name, "password") || strings.EqualFold(name, "sslpassword") {
				params[i] = k + "=***"
			}
		}
		u = u[:q+1] + strings.Join(params, "&")
	}
	return u
}

// RedactEndpoint returns a service URL fit for a report or an error
// message: its password and every query value (an api_key=…) replaced by
// "***", its scheme, user name, host and path kept. A URL that does not
// parse prints as "…".
func RedactEndpoint(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "…"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"***"}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	return strings.ReplaceAll(u.String(), "%2A%2A%2A", "***")
}
