package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploadLeftByKilledServerIsRemoved: a server killed (SIGKILL) while
// a page's form streams its file leaves the file's temporary copy — the
// kill removes nothing — and the next server started on the same data
// directory removes it; it lives in the data directory's tmp, not in the
// system's temporary directory, where nothing would ever find it again.
// On PostgreSQL, which has no data directory, it lives under $TMPDIR,
// which servers share: a server started there removes what the killed
// one left, and not the directory of another server running there.
func TestUploadLeftByKilledServerIsRemoved(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		data := t.TempDir()
		uploadKill(t, []string{"--data", data}, nil, filepath.Join(data, "tmp"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := []string{"--database", postgresDatabase(t)}
		tmp := t.TempDir()
		env := []string{"TMPDIR=" + tmp}
		// Another server on the same $TMPDIR, running throughout: its
		// directory is never taken for a killed server's.
		other := startServer(t, serverOpts{dbArgs: db, env: append(withAdmin(), env...), args: []string{"--monitor-interval", "0"}})
		otherDirs := uploadDirs(t, tmp)
		if len(otherDirs) != 1 {
			t.Fatalf("one server on %s: upload directories %q, want one", tmp, otherDirs)
		}
		uploadKill(t, db, env, tmp)
		if _, err := os.Stat(otherDirs[0]); err != nil {
			t.Errorf("the running server's upload directory was removed: %v", err)
		}
		other.Stop()
		if _, err := os.Stat(otherDirs[0]); !os.IsNotExist(err) {
			t.Errorf("a server stopped gracefully left its upload directory %s (%v)", otherDirs[0], err)
		}
	})
}

// uploadDirs lists base's per-server upload directories.
func uploadDirs(t *testing.T, base string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(base, "lodestar-uploads-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func uploadKill(t *testing.T, db, env []string, base string) {
	srv := startServer(t, serverOpts{dbArgs: db, env: append(withAdmin(), env...), args: []string{"--monitor-interval", "0"}})
	before := uploadDirs(t, base)
	c := newClient(t)
	code, page := login(t, c, srv.URL, adminEmail, adminPassword)
	m := csrfField.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("sign in: %d, CSRF token found: %v\n%s", code, m != nil, page)
	}

	// The monitor form, its file sent in part and then held: the upload
	// is under way when the server is killed.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	killed := make(chan struct{})
	go func() {
		mw.WriteField("csrf_token", m[1])
		mw.WriteField("name", "kill mid-upload")
		fw, _ := mw.CreateFormFile("reference", "reference.csv")
		var rows bytes.Buffer
		rows.WriteString("x,y\n")
		for i := 0; rows.Len() < 2<<20; i++ {
			fmt.Fprintf(&rows, "%d,%d\n", i, i%7)
		}
		fw.Write(rows.Bytes())
		<-killed
		pw.CloseWithError(io.ErrUnexpectedEOF)
	}()
	req, err := http.NewRequest("POST", srv.URL+"/models/1/monitors", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	sent := make(chan error, 1)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %s", resp.Status)
		}
		sent <- err
	}()

	// Wait until the server has written the 2 MiB sent of the file.
	var left string
	deadline := time.Now().Add(30 * time.Second)
	for left == "" {
		files, _ := filepath.Glob(filepath.Join(base, "lodestar-uploads-*", "lodestar-upload-*"))
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil && fi.Size() >= 2<<20 {
				left = f
			}
		}
		if left == "" && time.Now().After(deadline) {
			t.Fatalf("no temporary upload of 2 MiB under %s within 30 s: %q", base, files)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fi, err := os.Stat(filepath.Dir(left)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("upload directory %s: %v %v, want mode 0700", filepath.Dir(left), fi.Mode(), err)
	}
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	srv.dead = true
	close(killed)
	if err := <-sent; err == nil || strings.HasPrefix(err.Error(), "answered") {
		t.Fatalf("the upload was %v before the kill; want it cut by the kill", err)
	}
	if _, err := os.Stat(left); err != nil {
		t.Fatalf("the kill removed the upload %s (%v): nothing left to test", left, err)
	}

	srv2 := startServer(t, serverOpts{dbArgs: db, env: append(withAdmin(), env...), args: []string{"--monitor-interval", "0"}})
	if _, err := os.Stat(filepath.Dir(left)); !os.IsNotExist(err) {
		t.Errorf("after a restart, the killed server's upload directory %s is still there (%v)", filepath.Dir(left), err)
	}
	if !strings.Contains(srv2.stderr.String(), "removed uploads left by a stopped server") {
		t.Errorf("the restart did not log what it removed:\n%s", srv2.stderr.String())
	}
	after := uploadDirs(t, base)
	if len(after) != len(before) {
		t.Errorf("upload directories after the restart %q, want %d (one for each running server)", after, len(before))
	}
	srv2.Stop()
	if got := uploadDirs(t, base); len(got) != len(before)-1 {
		t.Errorf("after a graceful stop the upload directories are %q: the stopped server left its own", got)
	}
}
