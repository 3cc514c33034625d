package store_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// tokenModelWorld is a use case with the models churn, fraud and
// recommender, and the archived model old.
func tokenModelWorld(t *testing.T, f *fixture) map[string]*lodestar.Model {
	t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "UC"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*lodestar.Model{}
	for _, k := range []string{"recommender", "churn", "fraud", "old"} {
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: k, Name: strings.ToUpper(k)})
		if err != nil {
			t.Fatal(err)
		}
		out[k] = m
	}
	if _, err := f.db.ExecContext(f.ctx, f.db.Rebind(`UPDATE models SET archived = ? WHERE id = ?`), true, out["old"].ID); err != nil {
		t.Fatal(err)
	}
	return out
}

func modelKeys(t *lodestar.APIToken) string { return strings.Join(t.ModelKeys(), ",") }

// TestTokenBoundToModels: a token bound to models keeps them, by ID and
// key, on creation, resolution, listing and in its audit entries; a token
// bound to none may send to every model, as every token made before.
func TestTokenBoundToModels(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		judy := f.seedUser("judy@example.com", lodestar.RoleAITeam)
		ms := tokenModelWorld(t, f)

		free, freeSecret, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: judy.Email, Name: "all", Scopes: []string{"ingest"}})
		if err != nil {
			t.Fatalf("CreateTokenFor without models: %v", err)
		}
		if len(free.Models) != 0 {
			t.Errorf("a token bound to no model: got models %v", free.Models)
		}
		if ev := f.lastEvent(); strings.Contains(ev.After, `"models"`) {
			t.Errorf("audit of an unbound token: got %s, want no models", ev.After)
		}

		// By key (spaces trimmed) and by ID, the same model given twice:
		// each model once, in key order.
		n := f.auditCount()
		bound, secret, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: judy.Email, Name: "churn svc", Scopes: []string{"ingest", "read"},
			Models: []string{"recommender", " churn ", strconv.FormatInt(ms["churn"].ID, 10)}})
		if err != nil {
			t.Fatalf("CreateTokenFor with models: %v", err)
		}
		want := []lodestar.TokenModel{{ID: ms["churn"].ID, Key: "churn"}, {ID: ms["recommender"].ID, Key: "recommender"}}
		if !slices.Equal(bound.Models, want) {
			t.Errorf("bound models: got %v, want %v", bound.Models, want)
		}
		if got := testdb.Count(t, db, "api_token_models"); got != 2 {
			t.Errorf("api_token_models: got %d rows, want 2", got)
		}
		if got := f.auditCount(); got != n+1 {
			t.Errorf("got %d audit entries, want %d", got, n+1)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, adminActor, "create", "api_token", bound.ID)
		var after lodestar.APIToken
		if err := json.Unmarshal([]byte(ev.After), &after); err != nil || !slices.Equal(after.Models, want) {
			t.Errorf("audit after: got %s (%v), want the models %v", ev.After, err, want)
		}

		got, _, err := f.s.ResolveToken(f.ctx, secret)
		if err != nil || !slices.Equal(got.Models, want) {
			t.Fatalf("ResolveToken: got %+v, %v; want models %v", got, err, want)
		}
		for key, may := range map[string]bool{"churn": true, "recommender": true, "fraud": false} {
			if got.MayIngestTo(ms[key].ID) != may {
				t.Errorf("bound token MayIngestTo(%s): got %v, want %v", key, !may, may)
			}
		}
		gotFree, _, err := f.s.ResolveToken(f.ctx, freeSecret)
		if err != nil || len(gotFree.Models) != 0 || !gotFree.MayIngestTo(ms["fraud"].ID) {
			t.Errorf("unbound token: got %+v, %v; want no models and every model allowed", gotFree, err)
		}

		// By ID alone.
		byID, _, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: judy.Email, Name: "fraud svc", Scopes: []string{"ingest"},
			Models: []string{strconv.FormatInt(ms["fraud"].ID, 10)}})
		if err != nil || modelKeys(byID) != "fraud" {
			t.Fatalf("bound by ID: got %+v, %v; want fraud", byID, err)
		}

		toks, err := f.s.ListTokens(f.ctx, judy.Email)
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, tk := range toks {
			listed = append(listed, tk.Name+"="+modelKeys(tk))
		}
		if w := []string{"all=", "churn svc=churn,recommender", "fraud svc=fraud"}; !slices.Equal(listed, w) {
			t.Errorf("ListTokens: got %v, want %v", listed, w)
		}

		// Revoking keeps the binding, in the audit entry's before and after.
		if err := f.s.RevokeToken(f.ctx, bound.ID); err != nil {
			t.Fatal(err)
		}
		ev = f.lastEvent()
		if !strings.Contains(ev.Before, `"key":"churn"`) || !strings.Contains(ev.After, `"key":"recommender"`) {
			t.Errorf("revoke audit: before %s after %s, want the models in both", ev.Before, ev.After)
		}
		f.verify(int64(f.auditCount()))
	})
}

// TestTokenBindingRefused: a binding to a model that is not there, or is
// archived, or without the ingest scope, is refused on the models field
// naming what is wrong, and nothing is made: no token, no binding, no
// audit entry.
func TestTokenBindingRefused(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.seedUser("kim@example.com", lodestar.RoleAITeam)
		tokenModelWorld(t, f)
		ingest := []string{"ingest"}
		for _, tc := range []struct {
			name   string
			scopes []string
			models []string
			says   []string
		}{
			{"unknown model", ingest, []string{"nope"}, []string{`There is no model "nope"`}},
			{"one unknown among good", ingest, []string{"churn", "nope"}, []string{`"nope"`}},
			{"two unknown", ingest, []string{"nope", "churn", "nada"}, []string{`There are no models "nope", "nada"`}},
			{"unknown ID", ingest, []string{"999999"}, []string{`"999999"`}},
			{"key in capitals", ingest, []string{"CHURN"}, []string{`"CHURN"`}},
			{"archived model", ingest, []string{"churn", "old"}, []string{`Archived models`, `"old"`}},
			{"empty model", ingest, []string{"churn", " "}, []string{"empty"}},
			{"read only", []string{"read"}, []string{"churn"}, []string{"ingest scope"}},
			{"with write", []string{"ingest", "write"}, []string{"churn"}, []string{"without write"}},
			{"default scope (write)", nil, []string{"churn"}, []string{"without write"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.counts()
				links := testdb.Count(t, db, "api_token_models")
				tok, secret, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: "kim@example.com", Name: "svc", Scopes: tc.scopes, Models: tc.models})
				if tok != nil || secret != "" {
					t.Errorf("got token %+v, want none", tok)
				}
				wantError(t, err, lodestar.EInvalid, "models")
				for _, s := range tc.says {
					if !strings.Contains(lodestar.ErrorMessage(err), s) {
						t.Errorf("message %q does not say %q", lodestar.ErrorMessage(err), s)
					}
				}
				f.wantUnchanged(before)
				if got := testdb.Count(t, db, "api_token_models"); got != links {
					t.Errorf("api_token_models: got %d rows, want %d", got, links)
				}
			})
		}
	})
}
