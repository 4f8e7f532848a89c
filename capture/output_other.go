//go:build !unix

package capture

// oNoFollow is 0 where open has no O_NOFOLLOW: CreateOutput's Lstat and
// O_EXCL still refuse a symbolic link there, though not atomically.
const oNoFollow = 0

func isLoop(err error) bool { return false }
