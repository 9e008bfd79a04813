#!/usr/bin/env bash
# Install the Debian packages the test suite needs beyond Python:
#   - a JDK (javac) to compile tests/java/OwlCheck.java, and java to run it and HermiT;
#   - the OWL API 5.1 (libowlapi-java) and the jars it needs at run time;
#   - Apache Jena ARQ (libapache-jena-java, which pulls in the jars it needs), to run every named
#     query and the validate --endpoint checks through tests/java/ArqRun.java (tests/test_portability.py);
#   - Chromium, to open the HTML validation report in a real browser (tests/test_html_report.py);
#   - Graphviz (dot), to draw the documentation site's diagrams (tests/test_site_browser.py).
# Does nothing (and does not touch apt) when everything is installed already.
# Runs as root, or through sudo otherwise; never asks questions.
set -euo pipefail

packages=(
    openjdk-17-jdk-headless
    libowlapi-java
    libguava-java
    libcaffeine-java
    libcommons-io-java
    libcommons-codec-java
    libcommons-rdf-java
    libhppcrt-java
    libjackson2-core-java
    libjackson2-databind-java
    libjackson2-annotations-java
    libjsr305-java
    librdf4j-java
    libjsonld-java
    libslf4j-java
    libxz-java
    libatinject-jsr330-api-java
    libhttpclient-java
    libhttpcore-java
    libcommons-logging-java
    libapache-jena-java
    chromium
    graphviz
)

# `python3 -m venv` needs ensurepip, which Debian's own python3 keeps in python3-venv.
python=$(command -v python3.11 || command -v python3 || true)
if [[ -n "$python" && "$python" == /usr/bin/* ]] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
    packages+=(python3-venv)
fi

installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for pkg in "${packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-system-deps: all ${#packages[@]} Debian packages already installed"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: these Debian packages are missing and this system has no apt-get to install them:" >&2
    echo "  ${missing[*]}" >&2
    echo "install-system-deps: install their equivalents (a JDK 17, the OWL API 5.1 and Apache Jena jars, Chromium," >&2
    echo "  Graphviz) by hand, or run the fast tier alone: .venv/bin/python -m pytest -m 'not slow and not system'" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "install-system-deps: installing ${missing[*]} needs root, and sudo is not available" >&2
    exit 2
fi

echo "install-system-deps: installing ${missing[*]}"
echo "install-system-deps: (what each is for is listed at the top of scripts/install-system-deps.sh)"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
echo "install-system-deps: done"
