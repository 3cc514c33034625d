package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeStartErrorsTranslated: serve's own start-up failures — its
// upload directory that cannot be made, its address taken, its TLS
// files missing — are said in
// the run's language (LANG, or a --lang before the command), as its other
// errors are; they stayed in English. Nothing is announced.
func TestServeStartErrorsTranslated(t *testing.T) {
	// The upload base, data/tmp, is a file.
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(data, "tmp")
	if err := os.WriteFile(base, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// An address another listener holds.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	free := filepath.Join(t.TempDir(), "data")
	cert := filepath.Join(t.TempDir(), "none.pem") // a certificate that is not there

	cases := []struct {
		name   string
		args   []string
		en, zh string
	}{
		{"upload directory", []string{"serve", "--data", data, "--addr", "127.0.0.1:0"},
			"lodestar: upload directory: cannot make this server's directory in " + base + ": mkdir " + base + ": not a directory\n",
			"lodestar: 上传目录：无法在 " + base + " 中创建本服务器的目录：无法创建目录 " + base + "：路径中有一项不是目录\n"},
		{"address taken", []string{"serve", "--data", free, "--addr", addr},
			"lodestar: listen on " + addr + ": listen tcp " + addr + ": bind: address already in use\n",
			"lodestar: 无法监听 " + addr + "：tcp " + addr + "：地址已被占用\n"},
		{"TLS files missing", []string{"serve", "--data", free, "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", cert + ".key"},
			"lodestar: TLS certificate \"" + cert + "\" and key \"" + cert + ".key\": open " + cert + ": no such file or directory\n",
			"lodestar: TLS 证书 \"" + cert + "\" 与私钥 \"" + cert + ".key\"：无法打开 " + cert + "：文件或目录不存在\n"},
	}
	for _, c := range cases {
		for _, run := range []struct {
			how    string
			getenv func(string) string
			args   []string
			want   string
		}{
			{"en", noEnv, c.args, c.en},
			{"LANG=zh_CN.UTF-8", zhEnvOf, c.args, c.zh},
			{"--lang zh-CN", noEnv, append([]string{"--lang", "zh-CN"}, c.args...), c.zh},
		} {
			code, out, errOut := runWith(run.getenv, run.args...)
			if code != 1 || out != "" || !strings.HasSuffix(errOut, run.want) {
				t.Errorf("%s, %s: exit %d, stdout %q, stderr %q; want 1, nothing announced, and stderr ending %q", c.name, run.how, code, out, errOut, run.want)
			}
		}
	}
}
