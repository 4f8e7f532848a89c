package cli

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// defaultUser is whom `portsift sniff` becomes when started as root without
// -Z, as tcpdump does with its -Z default on most distributions.
const defaultUser = "nobody"

// dropTarget is the user and groups sniff switches to once the capture is
// open (-Z). The zero value keeps the process as it is.
type dropTarget struct {
	name     string
	uid, gid int
	groups   []int
}

// keep reports whether nothing is to be dropped.
func (d *dropTarget) keep() bool { return d.name == "" }

// privilegeTarget decides, before anything is opened, whom sniff will run
// as: flag is -Z ("" when not given). Only root can switch users: as root
// without -Z it is defaultUser, with -Z root it stays root; not as root
// there is nothing to drop (a binary given CAP_NET_RAW with setcap runs as
// the user who started it), and -Z naming another user is an error.
func privilegeTarget(flag string) (*dropTarget, error) {
	if os.Geteuid() != 0 {
		if flag == "" {
			return &dropTarget{}, nil
		}
		if u, err := lookupUser(flag); err == nil && u.Uid == strconv.Itoa(os.Geteuid()) {
			return &dropTarget{}, nil
		}
		return nil, fmt.Errorf("-Z %s: only root can change user (portsift runs as uid %d); leave -Z out", flag, os.Geteuid())
	}
	name := flag
	if name == "" {
		name = defaultUser
	}
	u, err := lookupUser(name)
	if err != nil {
		how := "give another user with -Z, or -Z root to keep root"
		return nil, fmt.Errorf("-Z %s: %w (%s)", name, err, how)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("-Z %s: user ids %q/%q: %w", name, u.Uid, u.Gid, err)
	}
	if uid == 0 {
		return &dropTarget{}, nil // -Z root: keep root, as asked
	}
	// The user's groups, as initgroups(3) would set them (tcpdump does):
	// its primary group and those that list it.
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				groups = append(groups, g)
			}
		}
	}
	return &dropTarget{name: u.Username, uid: uid, gid: gid, groups: groups}, nil
}

// lookupUser finds a user by name, or by number.
func lookupUser(s string) (*user.User, error) {
	u, err := user.Lookup(s)
	if err == nil {
		return u, nil
	}
	if _, nerr := strconv.Atoi(s); nerr == nil {
		if u, err := user.LookupId(s); err == nil {
			return u, nil
		}
	}
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil, fmt.Errorf("no such user")
	}
	return nil, err
}

// String describes the target for the status line.
func (d *dropTarget) String() string {
	return fmt.Sprintf("%s (uid %d, gid %d)", d.name, d.uid, d.gid)
}
