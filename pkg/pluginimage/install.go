package pluginimage

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// InstallPlugin copies the plugin directory src into parent, as parent/<name of src>: what the
// image's copier does in the Grafana pod's init container. The copy is made in a temporary
// directory beside the target and renamed into place, so a restarted init container replaces an
// earlier copy whole and Grafana never finds half a plugin. Files keep their run bit; everything
// is readable by any user id.
func InstallPlugin(src, parent string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", src)
	}
	dest := filepath.Join(parent, filepath.Base(src))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(src)+"-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, 0o755); err != nil {
				return err
			}
			return os.Chmod(target, 0o755) // past the umask, as for files
		case d.Type().IsRegular():
			return copyFile(path, target)
		default:
			return fmt.Errorf("%s is neither a file nor a directory", path)
		}
	})
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}

func copyFile(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if st.Mode().Perm()&0o111 != 0 {
		mode = 0o755
	}
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// OpenFile's mode passes through the umask; the plugin must be readable whatever it is.
	return os.Chmod(dest, mode)
}
