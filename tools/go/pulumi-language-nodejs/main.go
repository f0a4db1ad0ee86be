// Command pulumi-language-nodejs is the project's own Node.js language host for the real-engine
// test tier (test/pulumi): the plugin the Pulumi CLI starts to run a `runtime: nodejs` program or
// policy pack.
//
// Upstream's host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
// served by the Go module proxy here, so it cannot be built from modules. This host is written for
// the project and does only what `pulumi preview`, `up` and `refresh` need of a language host; the
// program and the policy packs themselves run in the SDK's own entry points
// (node_modules/@pulumi/pulumi/cmd/run and cmd/run-policy-pack), exactly those upstream's host
// starts:
//
//   - Run: `node <@pulumi/pulumi>/cmd/run --monitor ... <entry point>` in the program directory,
//     with the stack's configuration in PULUMI_CONFIG and its secret keys in
//     PULUMI_CONFIG_SECRET_KEYS;
//   - RunPlugin (kind "analyzer", a policy pack): `node <@pulumi/pulumi>/cmd/run-policy-pack
//     <engine address> <pack directory>`, its output streamed back to the CLI, which reads the
//     analyzer's port from the first line;
//   - GetRequiredPlugins: an empty list, so the engine loads each provider when the program first
//     registers one of its resources (upstream lists every provider package in node_modules, and
//     the engine would then try to download those not installed, here @pulumi/random and
//     @pulumi/tls, which a stack without tls/random resources never uses);
//   - every other method answers Unimplemented, which the CLI treats as an older host.
//
// Usage (as the CLI starts it): pulumi-language-nodejs [flags...] <engine address>
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// hostVersion is the version this host reports in GetPluginInfo (shown by `pulumi about`).
const hostVersion = "0.1.0"

// bailExitCode is the exit code the SDK's run script uses when the program failed and already
// reported the error to the user, so the engine prints nothing more.
const bailExitCode = 32

func main() {
	engine := ""
	// The CLI passes its own flags (tracing, logging) before the engine address, which comes last.
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engine = arg
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: node not found on PATH: %v\n", err)
		os.Exit(1)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot listen on 127.0.0.1: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterLanguageRuntimeServer(server, &host{node: node, engine: engine})
	// The CLI reads the port from the first line of standard output.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: serving stopped: %v\n", err)
		os.Exit(1)
	}
}

// host implements the LanguageRuntime service for Node.js programs and policy packs.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	node   string
	engine string
}

// Handshake records the engine address when the CLI sends one (it also comes as an argument).
func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engine = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo reports this host's version.
func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: hostVersion}, nil
}

// GetRequiredPlugins answers an empty list: providers are loaded as the program uses them.
func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// sdkEntry finds <dir or a parent>/node_modules/@pulumi/pulumi/cmd/<name>, as Node resolves a
// package from dir.
func sdkEntry(dir, name string) (string, error) {
	start := dir
	for {
		candidate := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if info, err := os.Stat(candidate); err == nil && info.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf(
				"@pulumi/pulumi/cmd/%s not found in node_modules of %s or a parent folder; run npm ci",
				name, start)
		}
		dir = parent
	}
}

// typeScript says whether the program runs as TypeScript: the runtime option `typescript`, true
// unless set to false (as upstream).
func typeScript(info *pulumirpc.ProgramInfo) bool {
	if info == nil || info.GetOptions() == nil {
		return true
	}
	value, ok := info.GetOptions().GetFields()["typescript"]
	if !ok {
		return true
	}
	return value.GetBoolValue()
}

// Run runs the program through the SDK's run script and waits for it.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := req.GetPwd()
	entry := req.GetProgram()
	rootDir := ""
	if info != nil {
		programDir = info.GetProgramDirectory()
		entry = info.GetEntryPoint()
		rootDir = info.GetRootDirectory()
	}
	if entry == "" {
		entry = "."
	}
	run, err := sdkEntry(programDir, "run")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	args := []string{run, "--monitor", req.GetMonitorAddress()}
	optional := [][2]string{
		{"engine", h.engine},
		{"organization", req.GetOrganization()},
		{"project", req.GetProject()},
		{"root-directory", rootDir},
		{"stack", req.GetStack()},
		{"pwd", programDir},
	}
	for _, pair := range optional {
		if pair[1] != "" {
			args = append(args, "--"+pair[0], pair[1])
		}
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("encoding the stack configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding the secret configuration keys: %w", err)
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typeScript(info)),
	)

	cmd := exec.CommandContext(ctx, h.node, args...)
	cmd.Dir = programDir
	cmd.Env = env
	// The CLI shows the language host's output as the program's diagnostics.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter sends what a plugin process writes as RunPlugin messages; the mutex keeps the
// standard output and standard error goroutines from sending at once.
type streamWriter struct {
	mu     *sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	msg := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: data}}
	if w.stderr {
		msg = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: data}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.server.Send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RunPlugin runs a Node.js policy pack (kind "analyzer") through the SDK's run-policy-pack script
// in the pack's directory and streams its output and exit code to the CLI.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	if req.GetKind() != "analyzer" {
		return status.Errorf(codes.Unimplemented,
			"this language host runs Node.js policy packs only (plugin kind %q requested)", req.GetKind())
	}
	dir := req.GetPwd()
	if req.GetInfo() != nil && req.GetInfo().GetProgramDirectory() != "" {
		dir = req.GetInfo().GetProgramDirectory()
	}
	script, err := sdkEntry(dir, "run-policy-pack")
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	// run-policy-pack takes <engine address> <program>; the CLI's arguments end with the address.
	engine := h.engine
	for _, arg := range req.GetArgs() {
		if !strings.HasPrefix(arg, "-") {
			engine = arg
		}
	}
	cmd := exec.CommandContext(server.Context(), h.node, script, engine, dir)
	cmd.Dir = dir
	cmd.Env = req.GetEnv()
	if len(cmd.Env) == 0 {
		cmd.Env = os.Environ()
	}
	mu := &sync.Mutex{}
	cmd.Stdout = streamWriter{mu: mu, server: server}
	cmd.Stderr = streamWriter{mu: mu, server: server, stderr: true}
	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return status.Errorf(codes.Internal, "could not run the policy pack in %s: %v", dir, err)
		}
		code = int32(exit.ExitCode())
	}
	mu.Lock()
	defer mu.Unlock()
	err = server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
