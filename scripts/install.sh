#!/usr/bin/env bash
# Install lockerd on a Raspberry Pi (Raspberry Pi OS / Debian 12 Bookworm, arm64; x86_64 works
# too): Debian packages, the lockerd user and groups, the application in /opt/lockerd, the
# systemd unit, the udev rules, a starter configuration, then `lockerctl doctor`.
#
# Idempotent: a second run changes no file (files are only written when their content differs).
# See docs/installing.md. Run `scripts/install.sh --help` for the options.
set -euo pipefail
# Files under /opt/lockerd must be readable by the lockerd user whatever umask sudo passed on.
umask 022

usage() {
  cat <<'EOF'
usage: sudo scripts/install.sh [--layout demo-24|FILE] [--bank-id ID] [--no-doctor] [--no-start]
       sudo scripts/install.sh --uninstall [--purge]
       scripts/install.sh --root DIR [...]     (stage into DIR: no apt, systemctl, udevadm, chown)

  --layout NAME|FILE  the bank's layout for a new configuration: a name from hardware/layouts
                      (default demo-24) or a layout file (copied to /etc/lockerd/layout.json)
  --bank-id ID        bank.id for a new configuration (default: bank-<hostname>)
  --no-doctor         do not run `lockerctl doctor` at the end
  --no-start          install and enable, but do not start or restart lockerd
  --uninstall         stop and remove lockerd; keeps /etc/lockerd and /var/lib/lockerd
  --purge             with --uninstall: also remove the configuration, the data and the user
  --root DIR          act on DIR as if it were / (a scratch tree or a mounted image); steps that
                      need the running system are printed instead of done
An existing /etc/lockerd/lockerd.json is never overwritten.
EOF
}

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT=""
LAYOUT="demo-24"
BANK_ID=""
DOCTOR=1
START=1
UNINSTALL=0
PURGE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --root=*) ROOT="${1#--root=}"; shift ;;
    --layout) LAYOUT="${2:?--layout needs a name or a file}"; shift 2 ;;
    --layout=*) LAYOUT="${1#--layout=}"; shift ;;
    --bank-id) BANK_ID="${2:?--bank-id needs a value}"; shift 2 ;;
    --bank-id=*) BANK_ID="${1#--bank-id=}"; shift ;;
    --no-doctor) DOCTOR=0; shift ;;
    --no-start) START=0; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT="$(cd "$ROOT" && pwd)"
  [ "$ROOT" = "/" ] && ROOT=""
fi
if [ "$PURGE" = 1 ] && [ "$UNINSTALL" = 0 ]; then echo "install.sh: --purge goes with --uninstall" >&2; exit 2; fi

# Where things go (inside ROOT).
APP=/opt/lockerd
ETC=/etc/lockerd
DATA=/var/lib/lockerd
UNIT=/etc/systemd/system/lockerd.service
RULES=/etc/udev/rules.d/70-lockerd.rules
BIN=/usr/local/bin
USER_NAME=lockerd
# Debian packages the daemon needs: libusb (node-hid's runtime), udev (serialport's device
# list), a compiler and python (native modules built by npm: better-sqlite3, onoff's epoll),
# gpiod (gpioinfo, for checking the wiring by hand).
PACKAGES=(ca-certificates libusb-1.0-0 udev build-essential python3 gpiod)

CHANGED=0
RULES_CHANGED=0
say() { printf 'lockerd-install: %s\n' "$*"; }
die() { printf 'lockerd-install: error: %s\n' "$*" >&2; exit 1; }
r() { printf '%s%s' "$ROOT" "$1"; }

# --- steps that need the running system: done for real, or printed in --root mode -------------
system_step() {
  # system_step DESCRIPTION COMMAND...
  local what="$1"; shift
  if [ -n "$ROOT" ]; then
    say "skipped (--root): $what: $*"
  else
    say "$what"
    "$@"
  fi
}

need_root() {
  if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then die "run as root (sudo), or use --root DIR to stage into a directory"; fi
}

# --- files: written only when their content or mode differs ------------------------------------
ensure_dir() {
  # ensure_dir PATH MODE [OWNER:GROUP]
  local p; p="$(r "$1")"
  if [ ! -d "$p" ]; then mkdir -p "$p"; CHANGED=1; fi
  if [ "$(stat -c %a "$p")" != "${2#0}" ]; then chmod "$2" "$p"; fi
  if [ -n "${3:-}" ]; then own "$p" "$3"; fi
}

own() {
  # own PATH OWNER:GROUP — real systems only (the scratch tree's users do not exist here)
  if [ -n "$ROOT" ]; then return 0; fi
  if [ "$(stat -c %U:%G "$1")" != "$2" ]; then chown "$2" "$1"; fi
}

put_file() {
  # put_file SOURCE-FILE DEST MODE [OWNER:GROUP]
  local dst="$ROOT$2"
  if [ ! -f "$dst" ] || ! cmp -s "$1" "$dst"; then
    mkdir -p "$(dirname "$dst")"
    cp "$1" "$dst.lockerd-new"
    chmod "$3" "$dst.lockerd-new"
    mv -f "$dst.lockerd-new" "$dst"
    CHANGED=1
    say "wrote $2"
  elif [ "$(stat -c %a "$dst")" != "${3#0}" ]; then
    chmod "$3" "$dst"
  fi
  if [ -n "${4:-}" ]; then own "$dst" "$4"; fi
}

put_text() {
  # put_text DEST MODE [OWNER:GROUP] < content
  local tmp; tmp="$(mktemp)"
  cat >"$tmp"
  put_file "$tmp" "$@"
  rm -f "$tmp"
}

remove_path() {
  local p; p="$(r "$1")"
  if [ -e "$p" ] || [ -L "$p" ]; then rm -rf "$p"; say "removed $1"; fi
}

# --- users and groups ---------------------------------------------------------------------------
group_exists() {
  if [ -n "$ROOT" ]; then grep -q "^$1:" "$(r /etc/group)" 2>/dev/null; else getent group "$1" >/dev/null; fi
}
user_exists() {
  if [ -n "$ROOT" ]; then grep -q "^$1:" "$(r /etc/passwd)" 2>/dev/null; else getent passwd "$1" >/dev/null; fi
}
user_in_group() {
  if [ -n "$ROOT" ]; then
    grep -Eq "^$2:[^:]*:[^:]*:(.*,)?$1(,.*)?$" "$(r /etc/group)"
  else
    # grep without -q in pipelines: with pipefail an early exit could turn a match into SIGPIPE.
    id -nG "$1" | tr ' ' '\n' | grep -x "$2" >/dev/null
  fi
}
# A free system id (100-999) in the scratch tree's passwd or group file.
free_id() {
  local file="$1" id=999
  while cut -d: -f3 "$file" 2>/dev/null | grep -x "$id" >/dev/null; do id=$((id - 1)); done
  echo "$id"
}

ensure_group() {
  group_exists "$1" && return 0
  CHANGED=1
  if [ -n "$ROOT" ]; then
    mkdir -p "$(r /etc)"
    echo "$1:x:$(free_id "$(r /etc/group)"):" >>"$(r /etc/group)"
    say "added group $1 (in $ROOT/etc/group)"
  else
    groupadd --system "$1"
    say "added group $1"
  fi
}

ensure_user() {
  if ! user_exists "$USER_NAME"; then
    CHANGED=1
    if [ -n "$ROOT" ]; then
      local gid; gid="$(grep "^$USER_NAME:" "$(r /etc/group)" | cut -d: -f3)"
      echo "$USER_NAME:x:$(free_id "$(r /etc/passwd)"):$gid:lockerd parcel-locker daemon:$DATA:/usr/sbin/nologin" >>"$(r /etc/passwd)"
      say "added user $USER_NAME (in $ROOT/etc/passwd)"
    else
      useradd --system --gid "$USER_NAME" --home-dir "$DATA" --no-create-home --shell /usr/sbin/nologin --comment "lockerd parcel-locker daemon" "$USER_NAME"
      say "added user $USER_NAME"
    fi
  fi
  local g
  for g in gpio dialout; do
    user_in_group "$USER_NAME" "$g" && continue
    CHANGED=1
    if [ -n "$ROOT" ]; then
      # Append the user to the group line's member list.
      sed -i -E "s/^($g:[^:]*:[^:]*:)(.+)$/\1\2,$USER_NAME/; s/^($g:[^:]*:[^:]*:)$/\1$USER_NAME/" "$(r /etc/group)"
    else
      usermod --append --groups "$g" "$USER_NAME"
    fi
    say "added $USER_NAME to group $g"
  done
}

# --- checks -------------------------------------------------------------------------------------
check_os() {
  local osr; osr="$(r /etc/os-release)"
  [ -f "$osr" ] || die "cannot read $osr: not a Debian system"
  local id version_id id_like
  id="$(. "$osr"; echo "${ID:-}")"
  id_like="$(. "$osr"; echo "${ID_LIKE:-}")"
  version_id="$(. "$osr"; echo "${VERSION_ID:-}")"
  case " $id $id_like " in
    *" debian "* | *" raspbian "*) ;;
    *) die "this is $id $version_id; lockerd is installed on Debian 12 (Bookworm) or Raspberry Pi OS Bookworm" ;;
  esac
  [ "$version_id" = 12 ] || die "this is $id $version_id; lockerd needs Debian 12 (Bookworm)"
  local arch; arch="$(uname -m)"
  case "$arch" in
    aarch64 | arm64 | x86_64) ;;
    *) die "machine $arch: lockerd is installed on 64-bit systems (arm64, x86_64); use the 64-bit Raspberry Pi OS image" ;;
  esac
  say "system: $id $version_id ($arch)"
}

NODE_BIN=""
check_node() {
  NODE_BIN="$(command -v node || true)"
  [ -n "$NODE_BIN" ] || die "Node.js is not installed (see docs/installing.md: NodeSource's node_24.x or node_20.x repository)"
  local v; v="$("$NODE_BIN" --version)"
  # the same lines as package.json's engines
  case "$v" in
    v20.*)
      local minor; minor="$(echo "$v" | cut -d. -f2)"
      [ "$minor" -ge 9 ] || die "Node.js $v is too old; lockerd needs 20.9 or later, 22 or 24" ;;
    v22.* | v24.*) ;;
    *) die "Node.js $v found at $NODE_BIN; lockerd runs on Node.js 20 (20.9 or later), 22 or 24" ;;
  esac
  # The service cannot see home directories (ProtectHome=yes): an nvm install there would not run.
  case "$(readlink -f "$NODE_BIN")" in
    /home/* | /root/* | /run/user/*) die "Node.js at $NODE_BIN lives in a home directory, which the lockerd service cannot see; install Node.js system-wide (NodeSource, see docs/installing.md)" ;;
  esac
  say "node: $v at $NODE_BIN"
}

install_packages() {
  local missing=() p
  if [ -n "$ROOT" ]; then
    say "skipped (--root): apt-get install -y --no-install-recommends ${PACKAGES[*]}"
    return 0
  fi
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "Debian packages: all present"; return 0; fi
  say "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- the application ----------------------------------------------------------------------------
# What is copied to /opt/lockerd: sources, the prebuilt dist/ when the source tree has one,
# hardware files, the unit, scripts and docs. Never node_modules, var/ or tests.
APP_ITEMS=(package.json package-lock.json tsconfig.json tsconfig.build.json README.md src hardware systemd scripts docs dist)

install_app() {
  local manifest_new manifest_old rel item
  manifest_new="$(mktemp)"
  for item in "${APP_ITEMS[@]}"; do
    [ -e "$SRC/$item" ] || continue
    if [ -d "$SRC/$item" ]; then
      (cd "$SRC" && find "$item" -type f ! -name '*.lockerd-new' | LC_ALL=C sort) >>"$manifest_new"
    else
      echo "$item" >>"$manifest_new"
    fi
  done
  local app_changed=$CHANGED
  CHANGED=0
  ensure_dir "$APP" 0755
  while IFS= read -r rel; do
    local mode=0644
    [ -x "$SRC/$rel" ] && mode=0755
    put_file "$SRC/$rel" "$APP/$rel" "$mode" >/dev/null
  done <"$manifest_new"
  # Files an earlier version installed that this one no longer has.
  manifest_old="$(r "$APP/.install-manifest")"
  if [ -f "$manifest_old" ]; then
    while IFS= read -r rel; do
      grep -qxF "$rel" "$manifest_new" && continue
      rm -f "$(r "$APP/$rel")"
      CHANGED=1
      say "removed $APP/$rel (no longer part of lockerd)"
    done <"$manifest_old"
  fi
  put_file "$manifest_new" "$APP/.install-manifest" 0644 >/dev/null
  rm -f "$manifest_new"
  if [ "$CHANGED" = 1 ]; then say "application files updated in $APP"; else say "application files up to date in $APP"; fi
  local files_changed=$CHANGED
  CHANGED=$((app_changed | files_changed))
  build_app
}

build_app() {
  # Runtime node modules (and dist/, when the source had none) for exactly the installed files:
  # .install-built holds the hash of the files it was made for, so an interrupted run is redone.
  local app; app="$(r "$APP")"
  local how="npm ci --omit=dev"
  [ -f "$SRC/dist/src/main.js" ] || how="npm ci, npm run build, npm prune --omit=dev"
  if [ -n "$ROOT" ]; then
    say "skipped (--root): in $APP: $how"
    return 0
  fi
  local want; want="$(cd "$app" && xargs -d '\n' sha256sum <.install-manifest | sha256sum | cut -c1-64)"
  if [ -f "$app/.install-built" ] && [ "$(cat "$app/.install-built")" = "$want" ] && [ -f "$app/dist/src/main.js" ] && [ -d "$app/node_modules" ]; then
    say "node modules and build up to date"
    return 0
  fi
  say "in $APP: $how"
  if [ -f "$SRC/dist/src/main.js" ]; then
    (cd "$app" && npm ci --omit=dev --no-audit --no-fund)
  else
    (cd "$app" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)
  fi
  echo "$want" >"$app/.install-built"
  CHANGED=1
}

install_unit() {
  local tmp; tmp="$(mktemp)"
  # The unit names /usr/bin/node (NodeSource's path); follow this machine's node if elsewhere.
  sed "s#/usr/bin/node #$NODE_BIN #g" "$SRC/systemd/lockerd.service" >"$tmp"
  put_file "$tmp" "$UNIT" 0644
  rm -f "$tmp"
  local before=$CHANGED
  CHANGED=0
  put_file "$SRC/hardware/udev/70-lockerd.rules" "$RULES" 0644
  RULES_CHANGED=$CHANGED
  CHANGED=$((before | CHANGED))
  # Commands for the technician, reading the installed configuration.
  put_text "$BIN/lockerctl" 0755 <<EOF
#!/bin/sh
# lockerd's technician CLI (installed by scripts/install.sh).
LOCKERD_CONFIG="\${LOCKERD_CONFIG:-$ETC/lockerd.json}" exec $NODE_BIN $APP/dist/src/cli/main.js "\$@"
EOF
  put_text "$BIN/lockerd-outputs-off" 0755 <<EOF
#!/bin/sh
# Switch every lock output off (systemd runs this after lockerd stops; installed by scripts/install.sh).
LOCKERD_CONFIG="\${LOCKERD_CONFIG:-$ETC/lockerd.json}" exec $NODE_BIN $APP/dist/src/tools/outputs-off.js "\$@"
EOF
}

# --- configuration ------------------------------------------------------------------------------
write_config() {
  local cfg; cfg="$(r "$ETC/lockerd.json")"
  local layout_path
  if [ -f "$LAYOUT" ]; then
    layout_path="$ETC/layout.json"
  elif [ -f "$SRC/hardware/layouts/$LAYOUT.json" ]; then
    layout_path="$APP/hardware/layouts/$LAYOUT.json"
  else
    die "no layout $LAYOUT: give a file or one of: $(cd "$SRC/hardware/layouts" && ls ./*.json | sed 's#^\./##; s#\.json$##' | tr '\n' ' ')"
  fi
  if [ -f "$cfg" ]; then
    say "kept the existing configuration $ETC/lockerd.json"
    return 0
  fi
  if [ -f "$LAYOUT" ]; then put_file "$LAYOUT" "$ETC/layout.json" 0640 root:$USER_NAME; fi
  local id="${BANK_ID:-bank-$(hostname -s 2>/dev/null || echo pi)}"
  id="$(printf '%s' "$id" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-64)"
  # A starter: the simulated driver until the technician names the real one (docs/installing.md).
  put_text "$ETC/lockerd.json" 0640 "root:$USER_NAME" <<EOF
{
  "bank": { "id": "$id", "layout": "$layout_path" },
  "dataDir": "$DATA",
  "http": { "host": "127.0.0.1", "port": 8080 },
  "hardware": { "driver": "sim" },
  "system": { "stopTimeoutMs": 5000 },
  "log": { "level": "info" }
}
EOF
}

# --- service ------------------------------------------------------------------------------------
enable_service() {
  if [ "$RULES_CHANGED" = 1 ]; then
    system_step "reloading udev rules" sh -c "udevadm control --reload && udevadm trigger --action=add --subsystem-match=tty --subsystem-match=hidraw --subsystem-match=gpio --subsystem-match=usb"
  fi
  if [ -n "$ROOT" ]; then
    # Enabling a unit is its WantedBy= symlink, which a scratch tree can hold.
    local link; link="$(r /etc/systemd/system/multi-user.target.wants/lockerd.service)"
    if [ "$(readlink "$link" 2>/dev/null || true)" != "$UNIT" ]; then
      mkdir -p "$(dirname "$link")"
      ln -sfn "$UNIT" "$link"
      CHANGED=1
      say "enabled lockerd.service (in $ROOT)"
    fi
    say "skipped (--root): systemctl daemon-reload; systemctl restart lockerd"
    return 0
  fi
  systemctl daemon-reload
  systemctl is-enabled --quiet lockerd.service || { systemctl enable lockerd.service; CHANGED=1; }
  [ "$START" = 1 ] || { say "not starting lockerd (--no-start)"; return 0; }
  if [ "$CHANGED" = 1 ] && systemctl is-active --quiet lockerd.service; then
    say "restarting lockerd (files changed)"
    systemctl restart lockerd.service
  else
    # Type=notify: returns once lockerd said READY=1 (or failed).
    systemctl start lockerd.service
  fi
}

run_doctor() {
  if [ "$DOCTOR" = 0 ]; then say "skipped lockerctl doctor (--no-doctor)"; return 0; fi
  if [ -n "$ROOT" ]; then say "skipped (--root): lockerctl doctor"; return 0; fi
  if [ "$START" = 0 ]; then say "skipped lockerctl doctor (--no-start): run it once lockerd is started"; return 0; fi
  say "running lockerctl doctor"
  if ! "$BIN/lockerctl" doctor; then
    say "lockerd is installed, but lockerctl doctor reports a failure: see 'When doctor fails' in $APP/docs/installing.md"
    exit 1
  fi
}

# --- uninstall ----------------------------------------------------------------------------------
uninstall() {
  need_root
  if [ -z "$ROOT" ] && [ -f "$UNIT" ]; then
    # Stopping runs ExecStopPost: every lock output off.
    systemctl disable --now lockerd.service || true
  fi
  remove_path /etc/systemd/system/multi-user.target.wants/lockerd.service
  remove_path "$UNIT"
  remove_path "$RULES"
  remove_path "$BIN/lockerctl"
  remove_path "$BIN/lockerd-outputs-off"
  remove_path "$APP"
  system_step "reloading systemd and udev" sh -c "systemctl daemon-reload && udevadm control --reload"
  if [ "$PURGE" = 1 ]; then
    remove_path "$ETC"
    remove_path "$DATA"
    if user_exists "$USER_NAME"; then
      if [ -n "$ROOT" ]; then
        sed -i "/^$USER_NAME:/d" "$(r /etc/passwd)"
        sed -i -E "/^$USER_NAME:/d; s/,$USER_NAME(,|$)/\1/; s/:$USER_NAME,/:/; s/:$USER_NAME$/:/" "$(r /etc/group)"
      else
        userdel "$USER_NAME" || true
        group_exists "$USER_NAME" && groupdel "$USER_NAME" || true
      fi
      say "removed user $USER_NAME"
    fi
  else
    say "kept $ETC and $DATA (the database and the code secret); --purge removes them"
  fi
  say "lockerd uninstalled"
}

# --- main ---------------------------------------------------------------------------------------
if [ "$UNINSTALL" = 1 ]; then uninstall; exit 0; fi

need_root
check_os
check_node
install_packages
ensure_group "$USER_NAME"
ensure_group gpio
ensure_group dialout
ensure_user
ensure_dir "$ETC" 0750 "root:$USER_NAME"
ensure_dir "$DATA" 0750 "$USER_NAME:$USER_NAME"
install_app
install_unit
write_config
enable_service
if [ "$CHANGED" = 1 ]; then say "done: lockerd installed"; else say "done: nothing to change"; fi
run_doctor
