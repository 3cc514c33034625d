package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

const (
	digestA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	digestB = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
)

// TestModelProvenanceValues: what a version's provenance may hold, on a
// new version and on an update, each refusal naming its field and
// writing nothing.
func TestModelProvenanceValues(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		good := lodestar.Provenance{ArtifactURI: " s3://models/recsys/3.1/model.xgb ", ArtifactSHA256: "SHA256:" + strings.ToUpper(digestA),
			SourceCommit: "ABCDEF1", TrainingRun: "https://mlflow.example.com/#/experiments/1/runs/abc123"}
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0", Provenance: good})
		if err != nil {
			t.Fatalf("CreateModelVersion: %v", err)
		}
		want := lodestar.Provenance{ArtifactURI: "s3://models/recsys/3.1/model.xgb", ArtifactSHA256: digestA, SourceCommit: "abcdef1",
			TrainingRun: "https://mlflow.example.com/#/experiments/1/runs/abc123"}
		if v.Provenance != want {
			t.Errorf("stored provenance: got %+v, want %+v (trimmed, lower-cased, no sha256: prefix)", v.Provenance, want)
		}
		if got, err := f.s.FindModelVersionByID(f.ctx, v.ID); err != nil || got.Provenance != want {
			t.Errorf("read back: got %+v, %v; want %+v", got, err, want)
		}

		accepted := []string{"gs://bucket/a/b.pt", "https://models.example.com/a.onnx", "file:///srv/models/a.bin", "/srv/models/a.bin",
			"oci://registry.example.com/ml/recsys:3.1", "registry.example.com:5000/ml/recsys:3.1",
			"ghcr.io/acme/recsys@sha256:" + digestA, "models:/recsys/3", "runs:/0123abcd/model", "hdfs://nn:8020/models/a",
			"abfss://c@acct.dfs.core.windows.net/m", "https://example.com/a.bin?versionId=3"}
		for i, uri := range accepted {
			_, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "ok" + string(rune('a'+i)),
				Provenance: lodestar.Provenance{ArtifactURI: uri}})
			if err != nil {
				t.Errorf("artifact URI %q: got %v, want it accepted", uri, err)
			}
		}
		for _, run := range []string{"0123456789abcdef0123456789abcdef", "arn:aws:sagemaker:eu-west-1:123456789012:training-job/recsys-31",
			"wandb acme/recsys/runs/3xk2", "http://mlflow.internal:5000/#/experiments/2/runs/9"} {
			if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "run " + run[:5],
				Provenance: lodestar.Provenance{TrainingRun: run}}); err != nil {
				t.Errorf("training run %q: got %v, want it accepted", run, err)
			}
		}

		before, audits := f.counts(), f.auditCount()
		for name, c := range map[string]struct {
			p     lodestar.Provenance
			field string
			has   string
		}{
			"javascript URI":          {lodestar.Provenance{ArtifactURI: "javascript:alert(1)"}, "artifact_uri", "Write where"},
			"javascript as a host":    {lodestar.Provenance{ArtifactURI: "javascript:1/alert"}, "artifact_uri", "Write where"},
			"data URI":                {lodestar.Provenance{ArtifactURI: "data:text/html,<script>x</script>"}, "artifact_uri", "Write where"},
			"relative path":           {lodestar.Provenance{ArtifactURI: "model.bin"}, "artifact_uri", "Write where"},
			"protocol-relative":       {lodestar.Provenance{ArtifactURI: "//evil.example.com/a"}, "artifact_uri", "Write where"},
			"space in URI":            {lodestar.Provenance{ArtifactURI: "s3://bucket/my model.bin"}, "artifact_uri", "Write where"},
			"no host":                 {lodestar.Provenance{ArtifactURI: "s3:///key"}, "artifact_uri", "Write where"},
			"user and password":       {lodestar.Provenance{ArtifactURI: "https://ci:hunter2@models.example.com/a.bin"}, "artifact_uri", "user name and password"},
			"Azure with a key":        {lodestar.Provenance{ArtifactURI: "abfss://c:key@acct.dfs.core.windows.net/m"}, "artifact_uri", "user name and password"},
			"presigned S3":            {lodestar.Provenance{ArtifactURI: "https://b.s3.amazonaws.com/a?X-Amz-Credential=x&X-Amz-Signature=abc"}, "artifact_uri", "signature or token"},
			"Azure SAS":               {lodestar.Provenance{ArtifactURI: "https://a.blob.core.windows.net/c/m?sv=2024&sig=abc"}, "artifact_uri", "signature or token"},
			"token":                   {lodestar.Provenance{ArtifactURI: "https://models.example.com/a?Token=abc"}, "artifact_uri", "signature or token"},
			"sig after a semicolon":   {lodestar.Provenance{ArtifactURI: "https://a.blob.core.windows.net/c/m?sv=2024;sig=abc"}, "artifact_uri", "signature or token"},
			"token in the fragment":   {lodestar.Provenance{ArtifactURI: "https://models.example.com/a#access_token=abc"}, "artifact_uri", "signature or token"},
			"run link with a token":   {lodestar.Provenance{TrainingRun: "https://mlflow.example.com/runs/1?x=1;token=abc"}, "training_run", "signature or token"},
			"oversized URI":           {lodestar.Provenance{ArtifactURI: "s3://b/" + strings.Repeat("k", 2000)}, "artifact_uri", "2,000"},
			"short digest":            {lodestar.Provenance{ArtifactSHA256: digestA[:63]}, "artifact_sha256", "64 hexadecimal"},
			"non-hex digest":          {lodestar.Provenance{ArtifactSHA256: strings.Repeat("g", 64)}, "artifact_sha256", "64 hexadecimal"},
			"md5 digest":              {lodestar.Provenance{ArtifactSHA256: "d41d8cd98f00b204e9800998ecf8427e"}, "artifact_sha256", "64 hexadecimal"},
			"tag as commit":           {lodestar.Provenance{SourceCommit: "v3.1"}, "source_commit", "a tag or branch can move"},
			"too short commit":        {lodestar.Provenance{SourceCommit: "abc12"}, "source_commit", "7 to 64"},
			"javascript training run": {lodestar.Provenance{TrainingRun: "javascript:alert(1)"}, "training_run", "http(s) link"},
			"run with credentials":    {lodestar.Provenance{TrainingRun: "https://u:p@mlflow.example.com/runs/1"}, "training_run", "user name and password"},
			"run with a line break":   {lodestar.Provenance{TrainingRun: "run\n1"}, "training_run", "control characters"},
			"oversized run":           {lodestar.Provenance{TrainingRun: strings.Repeat("r", 501)}, "training_run", "500"},
		} {
			_, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "bad", Provenance: c.p})
			wantError(t, err, lodestar.EInvalid, "provenance."+c.field)
			if le, ok := err.(*lodestar.Error); ok && !strings.Contains(le.Fields["provenance."+c.field], c.has) {
				t.Errorf("%s: message %q, want it to say %q", name, le.Fields["provenance."+c.field], c.has)
			}
			_, err = f.s.UpdateModelProvenance(f.ctx, v.ID, c.p)
			wantError(t, err, lodestar.EInvalid, "provenance."+c.field)
		}
		f.wantUnchanged(before)
		if f.auditCount() != audits {
			t.Errorf("audit entries after refusals: got %d, want %d", f.auditCount(), audits)
		}
		if got, _ := f.s.FindModelVersionByID(f.ctx, v.ID); got.Provenance != want {
			t.Errorf("provenance after refusals: got %+v, want %+v", got.Provenance, want)
		}
	})
}

// TestModelProvenanceFreeze: provenance changes while the version is in
// development, is frozen (409) once it leaves, and thaws when it moves
// back to development; every change is audited with before and after,
// and a version staged or live without a digest carries the warning.
func TestModelProvenanceFreeze(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Warnings) != 0 {
			t.Errorf("a version in development: warnings %v, want none", v.Warnings)
		}
		p := lodestar.Provenance{ArtifactURI: "s3://models/a.bin", ArtifactSHA256: digestA}
		got, err := f.s.UpdateModelProvenance(f.ctx, v.ID, p)
		if err != nil || got.Provenance != p {
			t.Fatalf("UpdateModelProvenance: %+v, %v", got, err)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, adminActor, "update_provenance", "model_version", v.ID)
		var b, a lodestar.ModelVersion
		if json.Unmarshal([]byte(ev.Before), &b) != nil || json.Unmarshal([]byte(ev.After), &a) != nil ||
			b.Provenance != (lodestar.Provenance{}) || a.Provenance != p {
			t.Errorf("audit entry: before %s after %s; want the provenance empty, then set", ev.Before, ev.After)
		}

		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "onward"); err != nil {
				t.Fatal(err)
			}
			before := f.auditCount()
			_, err := f.s.UpdateModelProvenance(f.ctx, v.ID, lodestar.Provenance{ArtifactURI: "s3://models/swapped.bin", ArtifactSHA256: digestB})
			wantError(t, err, lodestar.EConflict)
			if err == nil || !strings.Contains(err.Error(), "frozen") {
				t.Errorf("%s: got %v, want the refusal to say the provenance is frozen", st, err)
			}
			// The same provenance again is refused as well: frozen is frozen.
			_, err = f.s.UpdateModelProvenance(f.ctx, v.ID, p)
			wantError(t, err, lodestar.EConflict)
			if now, _ := f.s.FindModelVersionByID(f.ctx, v.ID); now.Provenance != p || f.auditCount() != before {
				t.Errorf("%s: after refusals provenance %+v, %d audit entries; want %+v, %d", st, now.Provenance, f.auditCount(), p, before)
			}
		}
		// Back to development: it thaws, and the change is audited.
		if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, lodestar.ModelDevelopment, "digest of the wrong file"); err != nil {
			t.Fatal(err)
		}
		cleared := lodestar.Provenance{ArtifactURI: "s3://models/a.bin"}
		if got, err := f.s.UpdateModelProvenance(f.ctx, v.ID, cleared); err != nil || got.Provenance != cleared {
			t.Fatalf("after moving back to development: %+v, %v; want the digest cleared", got, err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "update_provenance", "model_version", v.ID)
		// Staged and live with no digest: allowed, with the warning.
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			got, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "no digest yet")
			if err != nil || len(got.Warnings) != 1 || got.Warnings[0] != lodestar.VersionNoDigest {
				t.Errorf("%s without a digest: %+v, %v; want it allowed with the no_digest warning", st, got, err)
			}
		}
		vs, err := f.s.ListModelVersions(f.ctx, m.ID)
		if err != nil || len(vs) != 1 || !vs[0].NoDigest() {
			t.Errorf("listed: %+v, %v; want the warning there too", vs, err)
		}
		if got, _ := f.s.SetModelVersionStatus(f.ctx, v.ID, lodestar.ModelRetired, "replaced"); len(got.Warnings) != 0 {
			t.Errorf("retired: warnings %v; want none (it no longer runs)", got.Warnings)
		}
		f.verify(int64(f.auditCount()))
	})
}

func provenanceModel(t *testing.T, f *fixture) *lodestar.Model {
	t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
