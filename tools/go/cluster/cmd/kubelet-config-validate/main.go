// Command kubelet-config-validate checks KubeletConfiguration files the way the kubelet checks its
// --config file at start: the kubelet's own file loader (strict decoding, defaulting, relative
// paths), the feature gates the file sets, then the kubelet's own ValidateKubeletConfiguration.
//
//	kubelet-config-validate FILE...
//
// Exit 0 when every file is valid; otherwise exit 1 with one line per invalid file on stderr.
// Unlike the kubelet, a field it does not know is an error here, not a logged warning: the kubelet
// falls back to lenient decoding and silently ignores it, so a misspelled setting would not apply.
// Eviction thresholds the file leaves out are not filled in with the kubelet's OS defaults (that
// would need the eviction manager's package); thresholds the file sets are validated.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	_ "k8s.io/kubernetes/pkg/features" // registers the kubelet's feature gates
	kubeletscheme "k8s.io/kubernetes/pkg/kubelet/apis/config/scheme"
	kubeletvalidation "k8s.io/kubernetes/pkg/kubelet/apis/config/validation"
	"k8s.io/kubernetes/pkg/kubelet/kubeletconfig/configfiles"
	utilfs "k8s.io/kubernetes/pkg/util/filesystem"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kubelet-config-validate FILE...")
		os.Exit(2)
	}
	failed := false
	for _, file := range os.Args[1:] {
		if err := validate(file); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
		} else {
			fmt.Printf("%s: valid\n", file)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// validate loads one file as the kubelet does and runs the kubelet's validation on it.
func validate(file string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	// Strict decoding alone, so an unknown or duplicated field is reported instead of ignored.
	_, strictCodecs, err := kubeletscheme.NewSchemeAndCodecs(serializer.EnableStrict)
	if err != nil {
		return err
	}
	if _, _, err := strictCodecs.UniversalDecoder().Decode(data, nil, nil); err != nil {
		return fmt.Errorf("decoding (strict, as the kubelet first tries): %w", err)
	}
	loader, err := configfiles.NewFsLoader(&utilfs.DefaultFs{}, abs)
	if err != nil {
		return err
	}
	kc, err := loader.Load(context.Background())
	if err != nil {
		return fmt.Errorf("loading as the kubelet does: %w", err)
	}
	gates := utilfeature.DefaultMutableFeatureGate.DeepCopy()
	if err := gates.SetFromMap(kc.FeatureGates); err != nil {
		return fmt.Errorf("featureGates: %w", err)
	}
	if err := kubeletvalidation.ValidateKubeletConfiguration(kc, gates); err != nil {
		return fmt.Errorf("the kubelet's validation: %w", err)
	}
	return nil
}
