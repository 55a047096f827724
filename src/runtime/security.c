/* See security.h. The order matters: the bounding set is dropped and seccomp loaded while the process is
 * still root with every capability (loading a filter without no_new_privs needs CAP_SYS_ADMIN), and the
 * user switch keeps capabilities (PR_SET_KEEPCAPS) so that the final capset can grant the container's set. */
#include "runtime/security.h"

#include <errno.h>
#include <grp.h>
#include <linux/securebits.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* containerd's and Docker's default capabilities (containerd oci.defaultUnixCaps). */
static const cap_value_t default_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

/* Syscalls Docker's default profile refuses to unprivileged containers (its profile is an allow list;
 * this deny list blocks the same dangerous ones). Names unknown to this libseccomp are skipped. */
static const char *const denied_syscalls[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "get_kernel_syms",
    "get_mempolicy",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mbind",
    "move_pages",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "perf_event_open",
    "process_vm_readv",
    "process_vm_writev",
    "query_module",
    "quotactl",
    "reboot",
    "request_key",
    "set_mempolicy",
    "settimeofday",
    "stime",
    "swapon",
    "swapoff",
    "sysfs",
    "_sysctl",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "fanotify_init",
    "lookup_dcookie",
    "syslog",
    "vhangup",
};

/* Allowed only with CAP_SYS_ADMIN, as in Docker's profile. */
static const char *const admin_syscalls[] = {
    "mount",      "umount", "umount2",  "pivot_root", "unshare", "setns",         "open_tree",
    "move_mount", "fsopen", "fsconfig", "fsmount",    "fspick",  "mount_setattr", "quotactl_fd",
};

static int cap_by_name(const char *name, cap_value_t *ret, husk_error *err)
{
    char lower[64];
    const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    int n = snprintf(lower, sizeof lower, "cap_%s", bare);
    for (int i = 0; i < n && i < (int)sizeof lower; i++)
        lower[i] = (char)(lower[i] >= 'A' && lower[i] <= 'Z' ? lower[i] + 32 : lower[i]);
    if (cap_from_name(lower, ret) < 0)
        return husk_error_set(err, EINVAL, "unknown capability '%s'", name);
    return 0;
}

static int apply_names(const char *const *names, uint64_t *mask, bool add, uint64_t all, husk_error *err)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcasecmp(names[i], "ALL") == 0) {
            *mask = add ? all : 0;
            continue;
        }
        cap_value_t cap;
        if (cap_by_name(names[i], &cap, err) < 0)
            return -1;
        if (add)
            *mask |= 1ULL << cap;
        else
            *mask &= ~(1ULL << cap);
    }
    return 0;
}

int runtime_capabilities_mask(const struct runtime_container_config *c, uint64_t *ret_mask, husk_error *err)
{
    int last = (int)cap_max_bits();
    uint64_t all = last >= 64 ? ~0ULL : (1ULL << last) - 1, mask = 0;
    if (c->privileged) {
        mask = all;
    } else {
        for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
            mask |= 1ULL << default_caps[i];
    }
    /* Drops first, then adds, as containerd applies them. */
    if (apply_names(c->capabilities_drop, &mask, false, all, err) < 0 ||
        apply_names(c->capabilities_add, &mask, true, all, err) < 0)
        return -1;
    *ret_mask = mask & all;
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;
        int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (r < 0 && r != -EEXIST && r != -EDOM)
            return r;
    }
    return 0;
}

static int load_seccomp(uint64_t mask, husk_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL)
        return husk_error_set(err, ENOMEM, "seccomp_init failed");
    /* libseccomp sets no_new_privs on load by default; the container's setting decides that. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    /* Deny the same calls through the 32-bit ABIs, which a process can still enter on x86_64. */
    if (r == 0 && seccomp_arch_native() == SCMP_ARCH_X86_64) {
        r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
        if (r == 0 || r == -EEXIST)
            r = seccomp_arch_add(ctx, SCMP_ARCH_X32);
        if (r == -EEXIST)
            r = 0;
    }
    if (r == 0)
        r = add_rules(ctx, denied_syscalls, sizeof denied_syscalls / sizeof denied_syscalls[0]);
    if (r == 0 && (mask & (1ULL << CAP_SYS_ADMIN)) == 0)
        r = add_rules(ctx, admin_syscalls, sizeof admin_syscalls / sizeof admin_syscalls[0]);
    if (r == 0 && (mask & (1ULL << CAP_SYS_PTRACE)) == 0) {
        static const char *const ptrace[] = {"ptrace"};
        r = add_rules(ctx, ptrace, 1);
    }
    if (r == 0)
        r = seccomp_load(ctx);
    seccomp_release(ctx);
    return r < 0 ? husk_error_set_errno(err, -r, "loading the seccomp filter") : 0;
}

static int set_capabilities(uint64_t mask, husk_error *err)
{
    cap_t caps = cap_init();
    cap_t current = cap_get_proc();
    if (caps == NULL || current == NULL) {
        cap_free(caps);
        cap_free(current);
        return husk_error_set_errno(err, errno, "cap_init");
    }
    int last = (int)cap_max_bits();
    for (cap_value_t cap = 0; cap < last; cap++) {
        /* A privileged container gets what husk itself holds: "all" minus what the host withheld (a
         * root without CAP_SYS_RESOURCE here). */
        cap_flag_value_t held = CAP_CLEAR;
        cap_get_flag(current, cap, CAP_PERMITTED, &held);
        if ((mask & (1ULL << cap)) == 0 || held != CAP_SET)
            continue;
        cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET);
        cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET);
    }
    int r = cap_set_proc(caps);
    int saved = errno;
    cap_free(caps);
    cap_free(current);
    if (r < 0)
        return husk_error_set_errno(err, saved, "setting the capabilities");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    return 0;
}

int runtime_security_apply(const struct runtime_container_config *c, husk_error *err)
{
    uint64_t mask;
    if (runtime_capabilities_mask(c, &mask, err) < 0)
        return -1;
    int last = (int)cap_max_bits();
    for (int cap = 0; cap < last; cap++)
        if ((mask & (1ULL << cap)) == 0 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return husk_error_set_errno(err, errno, "dropping capability %d from the bounding set", cap);
    if (c->seccomp == RUNTIME_SECCOMP_RUNTIME_DEFAULT && !c->privileged && load_seccomp(mask, err) < 0)
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return husk_error_set_errno(err, errno, "PR_SET_KEEPCAPS");
    if (setgroups(c->supplementary_group_count, c->supplementary_groups) < 0)
        return husk_error_set_errno(err, errno, "setting the supplementary groups");
    if (setgid(c->gid) < 0)
        return husk_error_set_errno(err, errno, "setgid(%u)", (unsigned)c->gid);
    if (setuid(c->uid) < 0)
        return husk_error_set_errno(err, errno, "setuid(%u)", (unsigned)c->uid);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (set_capabilities(mask, err) < 0)
        return -1;
    if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return husk_error_set_errno(err, errno, "PR_SET_NO_NEW_PRIVS");
    return 0;
}
