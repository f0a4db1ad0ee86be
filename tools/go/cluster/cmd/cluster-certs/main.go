// Command cluster-certs makes the certificates of the API-server test tier in one folder: a CA, the
// API server's serving certificate, a service-account key pair and one client certificate per
// requested user. It reads a JSON request on stdin and writes PEM files (keys 0600), e.g.:
//
//	{"serverIPs": ["127.0.0.1"], "serverNames": ["localhost"],
//	 "clients": [{"name": "admin", "commonName": "kubernetes-admin", "organizations": ["system:masters"]}]}
//
// writes ca.crt, ca.key, apiserver.crt, apiserver.key, sa.key, sa.pub, admin.crt and admin.key.
// Everything is ECDSA P-256, valid for one day: the folder lives as long as one test run.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// client is one user that authenticates with a client certificate.
type client struct {
	Name          string   `json:"name"`
	CommonName    string   `json:"commonName"`
	Organizations []string `json:"organizations"`
}

// request is the JSON read from stdin.
type request struct {
	ServerIPs   []string `json:"serverIPs"`
	ServerNames []string `json:"serverNames"`
	Clients     []client `json:"clients"`
}

var fileName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func main() {
	if len(os.Args) != 2 {
		fail("usage: cluster-certs DIR < request.json")
	}
	dir := os.Args[1]
	var req request
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&req); err != nil {
		fail("reading the JSON request on stdin: %v", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fail("%v", err)
	}
	now := time.Now()
	caKey := newKey()
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "sovereign-contour test tier CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		fail("creating the CA: %v", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	writeCert(dir, "ca", caDER, caKey)

	server := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     req.ServerNames,
	}
	for _, ip := range req.ServerIPs {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			fail("serverIPs: %q is not an IP address", ip)
		}
		server.IPAddresses = append(server.IPAddresses, parsed)
	}
	issue(dir, "apiserver", server, ca, caKey)

	for _, c := range req.Clients {
		if !fileName.MatchString(c.Name) || c.Name == "ca" || c.Name == "apiserver" || c.Name == "sa" {
			fail("clients: name %q must be lower-case letters, digits and '-' and not ca, apiserver or sa", c.Name)
		}
		if c.CommonName == "" {
			fail("clients: %s has no commonName (the user name)", c.Name)
		}
		issue(dir, c.Name, &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: c.CommonName, Organization: c.Organizations},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, ca, caKey)
	}

	saKey := newKey()
	writePEM(filepath.Join(dir, "sa.key"), "EC PRIVATE KEY", marshalKey(saKey), 0o600)
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		fail("encoding the service-account public key: %v", err)
	}
	writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", pub, 0o644)
}

// issue signs template with the CA and writes <name>.crt and <name>.key.
func issue(dir, name string, template, ca *x509.Certificate, caKey *ecdsa.PrivateKey) {
	key := newKey()
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		fail("creating the certificate %s: %v", name, err)
	}
	writeCert(dir, name, der, key)
}

func writeCert(dir, name string, der []byte, key *ecdsa.PrivateKey) {
	writePEM(filepath.Join(dir, name+".crt"), "CERTIFICATE", der, 0o644)
	writePEM(filepath.Join(dir, name+".key"), "EC PRIVATE KEY", marshalKey(key), 0o600)
}

func newKey() *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail("generating a key: %v", err)
	}
	return key
}

func marshalKey(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		fail("encoding a key: %v", err)
	}
	return der
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		fail("drawing a serial number: %v", err)
	}
	return n
}

func writePEM(path, kind string, der []byte, mode os.FileMode) {
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cluster-certs: "+format+"\n", args...)
	os.Exit(1)
}
