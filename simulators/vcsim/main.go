// Command failback-vcsim runs a govmomi vCenter simulator populated with the
// failback site described in simulators/SITE.md.
//
// When ready it prints one JSON line to stdout (url, host, port, certificate
// thumbprints, PEM path, admin URL) and serves until stdin reaches EOF or it
// receives SIGTERM/SIGINT.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address of the vSphere API (https)")
	adminListen := flag.String("admin-listen", "127.0.0.1:0", "address of the admin HTTP endpoint (loopback only)")
	scenario := flag.String("scenario", "failback-site", "failback-site | scale")
	vms := flag.Int("vms", 5000, "scale: number of extra VMs")
	username := flag.String("username", "administrator@vsphere.local", "the only accepted user name")
	password := flag.String("password", "", "the only accepted password (default: $FAILBACK_VCSIM_PASSWORD)")
	certFile := flag.String("cert", "", "PEM certificate (default: generated self-signed)")
	keyFile := flag.String("key", "", "PEM private key for -cert")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the inventory build to this file")
	flag.Parse()

	log.SetPrefix("failback-vcsim: ")
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	if *password == "" {
		*password = os.Getenv("FAILBACK_VCSIM_PASSWORD")
	}
	if *password == "" {
		log.Fatal("-password or $FAILBACK_VCSIM_PASSWORD is required")
	}
	if *scenario != "failback-site" && *scenario != "scale" {
		log.Fatalf("unknown -scenario %q (failback-site | scale)", *scenario)
	}

	workdir, err := ioutil.TempDir(workBase(), "failback-vcsim-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(workdir)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		_ = pprof.StartCPUProfile(f)
		profiling = true
	}
	if err := run(workdir, *listen, *adminListen, *scenario, *vms, *username, *password, *certFile, *keyFile); err != nil {
		os.RemoveAll(workdir)
		log.Fatal(err)
	}
}

var profiling bool

// workBase is where the datastores' (empty) VM files go: vcsim creates a few
// real files per VM, so a tmpfs keeps 5,000 VMs fast on a busy disk.
func workBase() string {
	if dir := os.Getenv("FAILBACK_VCSIM_WORKDIR"); dir != "" {
		return dir
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := ioutil.TempFile("/dev/shm", ".failback-vcsim-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

func run(workdir, listen, adminListen, scenario string, vms int, username, password, certFile, keyFile string) error {
	ctx := context.Background()
	start := time.Now()

	cert, err := loadOrCreateCert(certFile, keyFile)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return err
	}
	pemPath := filepath.Join(workdir, "server-cert.pem")
	if err := ioutil.WriteFile(pemPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o644); err != nil {
		return err
	}

	model := simulator.VPX()
	model.Datastore = 0 // our own datastores (VMFS, NFS) are created by the scenario
	model.Machine = 0   // only the named VMs of the site (and vm-NNNNN for scale)
	if err := model.Create(); err != nil {
		return fmt.Errorf("create model: %w", err)
	}
	defer model.Remove()

	s, err := buildSite(ctx, model, workdir)
	if err != nil {
		return fmt.Errorf("build site: %w", err)
	}
	if err := s.failbackSite(); err != nil {
		return fmt.Errorf("failback-site: %w", err)
	}
	if scenario == "scale" {
		t := time.Now()
		if err := s.scale(vms); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
		log.Printf("created %d scale VMs in %s", vms, time.Since(t).Round(time.Millisecond))
	}
	installOverrides()
	if profiling {
		pprof.StopCPUProfile()
	}

	model.Service.Listen = &url.URL{Host: listen, User: url.UserPassword(username, password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv := model.Service.NewServer()
	defer srv.Close()

	addr := srv.Listener.Addr().(*net.TCPAddr)

	adminLn, err := net.Listen("tcp", adminListen)
	if err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	admin := &http.Server{Handler: adminHandler(scenario)}
	go func() { _ = admin.Serve(adminLn) }()
	defer admin.Close()

	host := addr.IP.String()
	ready := map[string]interface{}{
		"url":               fmt.Sprintf("https://%s/sdk", net.JoinHostPort(host, strconv.Itoa(addr.Port))),
		"host":              host,
		"port":              addr.Port,
		"thumbprint_sha256": thumbprint(sha256Sum(leaf.Raw)),
		"thumbprint_sha1":   thumbprint(sha1Sum(leaf.Raw)),
		"cert_pem":          pemPath,
		"admin":             "http://" + adminLn.Addr().String(),
		"scenario":          scenario,
	}
	line, _ := json.Marshal(ready)
	log.Printf("ready after %s: %s", time.Since(start).Round(time.Millisecond), line)
	fmt.Println(string(line))

	// Serve until stdin closes (the parent went away) or a signal arrives.
	done := make(chan string, 2)
	go func() {
		_, _ = io.Copy(ioutil.Discard, os.Stdin)
		done <- "stdin closed"
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { done <- (<-sig).String() }()
	log.Printf("stopping: %s", <-done)
	return nil
}

func sha256Sum(b []byte) []byte { h := sha256.Sum256(b); return h[:] }
func sha1Sum(b []byte) []byte   { h := sha1.Sum(b); return h[:] }

func thumbprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func loadOrCreateCert(certFile, keyFile string) (tls.Certificate, error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return tls.Certificate{}, fmt.Errorf("-cert and -key must be given together")
		}
		return tls.LoadX509KeyPair(certFile, keyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"failback-prep vCenter simulator"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// expireSessions terminates every current vCenter session; the next call of
// a client carrying an old session cookie gets NotAuthenticated.
func expireSessions() int {
	sm := simulator.Map.SessionManager()
	// A Session "view" of the SessionManager lists all sessions (vcsim fills
	// SessionList when the singleton is read through a session).
	view := (&simulator.Session{Registry: simulator.NewRegistry()}).Get(sm.Reference()).(*simulator.SessionManager)
	var ids []string
	for _, s := range view.SessionList {
		ids = append(ids, s.Key)
	}
	if len(ids) == 0 {
		return 0
	}
	admin := &simulator.Context{
		Context: context.Background(),
		Session: &simulator.Session{UserSession: types.UserSession{Key: "failback-vcsim-admin"}, Registry: simulator.NewRegistry()},
		Map:     simulator.Map,
	}
	if res := sm.TerminateSession(admin, &types.TerminateSession{SessionId: ids}); res.Fault() != nil {
		log.Printf("expire-sessions: %s", res.Fault().String)
	}
	return len(ids)
}

func adminHandler(scenario string) http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v interface{}) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]interface{}{"ok": true, "scenario": scenario})
	})
	mux.HandleFunc("/expire-sessions", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		n := expireSessions()
		log.Printf("expired %d session(s)", n)
		writeJSON(w, map[string]interface{}{"expired": n})
	})
	return mux
}
