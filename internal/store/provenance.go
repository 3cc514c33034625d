package store

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Bounds of a version's provenance texts: a URI of an object store's
// deep key fits in the first; a run's ID or link in the second.
const (
	maxArtifactURI = 2000
	maxTrainingRun = 500
)

var (
	sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// gitCommit is a commit's object name, abbreviated (7, as git's
	// shortest) or whole (40 for SHA-1, 64 for SHA-256 repositories). A
	// tag or branch is not taken: it can move, and provenance must not.
	gitCommit = regexp.MustCompile(`^[0-9a-f]{7,64}$`)
	uriScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)
	// ociReference is an OCI image reference without a scheme:
	// registry[:port]/repository[:tag][@sha256:digest], as the
	// distribution spec's grammar has it (lower-case path components).
	ociReference = regexp.MustCompile(`^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{1,5})?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`)
)

// artifactSchemes are the schemes an artifact URI may have: object
// stores, file systems, HTTP, OCI registries and MLflow's own. No other
// (javascript:, data: …) is a place an artifact lives.
var artifactSchemes = map[string]bool{"s3": true, "gs": true, "https": true, "http": true, "file": true, "hdfs": true,
	"abfs": true, "abfss": true, "wasbs": true, "dbfs": true, "oci": true, "models": true, "runs": true, "hf": true}

// secretParams are query parameters that make a URL a credential: a
// presigned S3 or GCS link, an Azure SAS, a token.
var secretParams = map[string]bool{"x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true,
	"x-goog-signature": true, "x-goog-credential": true, "signature": true, "sig": true, "token": true, "access_token": true,
	"id_token": true, "auth": true, "password": true, "passwd": true, "secret": true, "client_secret": true, "api_key": true,
	"apikey": true, "key": true, "sas": true, "credential": true}

// checkProvenance trims and checks a version's provenance, lower-casing
// the digest and the commit (a "sha256:" prefix on the digest is taken
// off), and names each bad field.
func checkProvenance(p *lodestar.Provenance) error {
	p.ArtifactURI, p.TrainingRun = strings.TrimSpace(p.ArtifactURI), strings.TrimSpace(p.TrainingRun)
	p.ArtifactSHA256 = strings.ToLower(strings.TrimSpace(p.ArtifactSHA256))
	p.ArtifactSHA256 = strings.TrimPrefix(p.ArtifactSHA256, "sha256:")
	p.SourceCommit = strings.ToLower(strings.TrimSpace(p.SourceCommit))
	fields := map[string]string{}
	if msg := checkArtifactURI(p.ArtifactURI); msg != "" {
		fields["provenance.artifact_uri"] = msg
	}
	if p.ArtifactSHA256 != "" && !sha256Hex.MatchString(p.ArtifactSHA256) {
		fields["provenance.artifact_sha256"] = "The SHA-256 digest is 64 hexadecimal characters, as sha256sum prints it."
	}
	if p.SourceCommit != "" && !gitCommit.MatchString(p.SourceCommit) {
		fields["provenance.source_commit"] = "Write the git commit as 7 to 64 hexadecimal characters: a tag or branch can move, a commit cannot."
	}
	if msg := checkTrainingRun(p.TrainingRun); msg != "" {
		fields["provenance.training_run"] = msg
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The provenance could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// checkArtifactURI says what is wrong with an artifact's location ("" if
// nothing): a URI of a known scheme, an absolute file path or an OCI
// image reference, with no credentials in it.
func checkArtifactURI(s string) string {
	const form = "Write where the artifact lives: a URI (s3://, gs://, https://, file://, oci:// …), an absolute file path or an OCI image reference, with no spaces."
	switch {
	case s == "":
		return ""
	case utf8.RuneCountInString(s) > maxArtifactURI:
		return "At most 2,000 characters."
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return form
	case scriptScheme(s):
		// Before the OCI reference, which would read javascript:1/x as
		// the host javascript on port 1.
		return form
	case ociReference.MatchString(s):
		return ""
	case strings.HasPrefix(s, "/"):
		if strings.HasPrefix(s, "//") {
			return form
		}
		return ""
	}
	m := uriScheme.FindStringSubmatch(s)
	if m == nil || !artifactSchemes[strings.ToLower(m[1])] {
		return form
	}
	u, err := url.Parse(s)
	if err != nil {
		return form
	}
	if msg := credentialsIn(u); msg != "" {
		return msg
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "file":
		if u.Opaque != "" || u.Path == "" {
			return form
		}
	case scheme == "models" || scheme == "runs":
		if strings.Trim(u.Path+u.Opaque, "/") == "" {
			return form
		}
	case u.Host == "":
		return form
	}
	return ""
}

// checkTrainingRun says what is wrong with a training run ("" if
// nothing): its ID (an MLflow run ID, a SageMaker ARN …) or a link to it,
// which must be http(s) and hold no credentials.
func checkTrainingRun(s string) string {
	const form = "Write the training run as its ID or an http(s) link, with no line breaks or control characters."
	switch {
	case s == "":
		return ""
	case utf8.RuneCountInString(s) > maxTrainingRun:
		return "At most 500 characters."
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return form
	}
	m := uriScheme.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	if scriptScheme(s) {
		return form
	}
	switch strings.ToLower(m[1]) {
	case "file", "blob":
		return form
	case "http", "https":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || strings.ContainsAny(s, " ") {
			return form
		}
		return credentialsIn(u)
	}
	// Another scheme is an ID that looks like one (arn:aws:…), shown as
	// text; one written as a URL still may not carry credentials.
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			return credentialsIn(u)
		}
	}
	return ""
}

// scriptScheme reports whether s starts with a scheme a browser would
// run or render (javascript:, vbscript:, data:): never a place an
// artifact or a run is, whatever follows.
func scriptScheme(s string) bool {
	m := uriScheme.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	switch strings.ToLower(m[1]) {
	case "javascript", "vbscript", "data":
		return true
	}
	return false
}

// credentialsIn refuses a URL that carries a secret: a user name or
// password, or a query parameter that signs or authorises it.
func credentialsIn(u *url.URL) string {
	// Azure's abfs(s):// and wasbs:// name the container where a user
	// would be (container@account.dfs.core.windows.net): a user alone is
	// no credential there; a password is.
	_, password := u.User.Password()
	azure := map[string]bool{"abfs": true, "abfss": true, "wasbs": true}[strings.ToLower(u.Scheme)]
	if u.User != nil && (!azure || password) {
		return "Remove the user name and password from the URI: everyone who reads the registry would see them."
	}
	// Every parameter of the query and of the fragment (an OAuth
	// implicit grant puts access_token there), split on ';' as well as
	// '&': url.Query drops a pair holding ';', and some servers split on
	// it, so "?a=1;sig=…" would pass unseen.
	for _, part := range []string{u.RawQuery, u.Fragment} {
		for _, pair := range strings.FieldsFunc(part, func(r rune) bool { return r == '&' || r == ';' }) {
			k, _, _ := strings.Cut(pair, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			if secretParams[strings.ToLower(strings.TrimSpace(k))] {
				return "Remove the signature or token from the URI's query (a signed link is a secret, and it expires): record where the artifact lives, not a link to fetch it."
			}
		}
	}
	return ""
}
