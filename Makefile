# Palisade — the two commands:
#   make demo   run the main job (builds, installs what it needs)
#   make test   run every test suite (builds, installs what it needs)
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT_BUILD_FLAGS ?=

.PHONY: demo test test-gateway test-e2e test-browser check-deploy build release bootstrap fuzz bench bench-gateway bench-pipeline format clean

bootstrap:
	@scripts/bootstrap.sh build kafka

build: bootstrap
	swift build $(SWIFT_BUILD_FLAGS)

release: bootstrap
	swift build -c release $(SWIFT_BUILD_FLAGS)

demo: release
	scripts/demo.sh

test: bootstrap
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)
	scripts/test-gateway.sh
	scripts/test-e2e.sh
	scripts/test-browser.sh
	scripts/check-deploy.sh

fuzz: bootstrap
	scripts/fuzz.sh $(FUZZ_SECONDS)

bench: bootstrap
	scripts/bench.sh

test-gateway:
	scripts/test-gateway.sh

test-e2e:
	scripts/test-e2e.sh

test-browser:
	scripts/test-browser.sh

check-deploy:
	scripts/check-deploy.sh

bench-gateway:
	scripts/bench-gateway.sh

bench-pipeline: bootstrap
	scripts/bench-pipeline.sh

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
