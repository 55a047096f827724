#!/usr/bin/env bats
# `husk validate`: manifests checked as the API server would, problems printed as kubectl prints them, with
# FILE:LINE:COLUMN; exit 0 valid, 1 invalid, 2 usage.
load helpers

setup() {
    CORPUS="$REPO/tests/objects"
    WORK=$(mktemp -d)
}

teardown() {
    rm -rf "$WORK"
}

@test "the seed's lumpy-koala pod is valid" {
    run "$HUSK" validate -f "$CORPUS/valid/lumpy-koala.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = "pod/lumpy-koala valid" ]
}

@test "a directory of valid manifests of every kind validates, strictly" {
    run "$HUSK" validate --strict -f "$CORPUS/valid"
    [ "$status" -eq 0 ]
    [[ "$output" == *"deployment.apps/web valid"* ]]
    [[ "$output" == *"cronjob.batch/hello valid"* ]]
    [[ "$output" == *"configmap/second-json valid"* ]]
    [[ "$output" != *Warning* ]]
}

@test "a missing image is reported in kubectl's words with its location" {
    cat >"$WORK/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: lumpy-koala
spec:
  containers:
  - name: lumpy-koala
    command: [sleep, "3600"]
YAML
    run "$HUSK" validate -f "$WORK/pod.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = "$WORK/pod.yaml:7:5: The Pod \"lumpy-koala\" is invalid: spec.containers[0].image: Required value" ]
}

@test "several problems are listed one per line" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - name: a\n' >"$WORK/two.yaml"
    run "$HUSK" validate -f "$WORK/two.yaml"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = 'The Pod "x" is invalid: ' ]
    [ "${lines[1]}" = "* $WORK/two.yaml:8:5: spec.containers[0].image: Required value" ]
    [[ "${lines[2]}" == "* $WORK/two.yaml:6:3: spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"" ]]
}

@test "an unknown field is a warning, and an error with --strict" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: b\n    imagePullPolcy: Always\n' >"$WORK/typo.yaml"
    run "$HUSK" validate -f "$WORK/typo.yaml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$WORK/typo.yaml:9:5: Warning: unknown field \"spec.containers[0].imagePullPolcy\""* ]]
    [[ "$output" == *"pod/x valid"* ]]
    run "$HUSK" validate --strict -f "$WORK/typo.yaml"
    [ "$status" -eq 1 ]
    [[ "$output" == *"The Pod \"x\" is invalid: unknown field \"spec.containers[0].imagePullPolcy\""* ]]
}

@test "manifests are read from stdin" {
    run bash -c "'$HUSK' validate -f - <'$CORPUS/valid/deployment.yaml'"
    [ "$status" -eq 0 ]
    [ "$output" = "deployment.apps/web valid" ]
    run bash -c "printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: a, image: b}]}\n' | '$HUSK' validate -f -"
    [ "$status" -eq 1 ]
    [[ "$output" == "STDIN:3:12: The Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"* ]]
}

@test "a billion-laughs manifest is refused quickly" {
    cp "$CORPUS/invalid/billion-laughs.yaml" "$WORK/lol.yaml"
    run timeout 10 "$HUSK" validate -f "$WORK/lol.yaml"
    [ "$status" -eq 1 ]
    [[ "$output" == "error: $WORK/lol.yaml:10:10: YAML aliases expand to more than 10000 nodes"* ]]
}

@test "an unknown kind and a YAML syntax error are errors" {
    run "$HUSK" validate -f "$CORPUS/invalid/unknown-kind.yaml"
    [ "$status" -eq 1 ]
    [[ "$output" == *'error: no matches for kind "Pdo" in version "v1"' ]]
    run "$HUSK" validate -f "$CORPUS/invalid/unclosed-quote.yaml"
    [ "$status" -eq 1 ]
    [[ "$output" == "error: $CORPUS/invalid/unclosed-quote.yaml:6:1: found unexpected end of stream"* ]]
}

@test "usage errors exit 2 and a missing file exits 1" {
    run "$HUSK" validate
    [ "$status" -eq 2 ]
    [[ "$output" == *"must specify one of -f"* ]]
    run "$HUSK" validate -f
    [ "$status" -eq 2 ]
    run "$HUSK" validate --frobnicate -f x
    [ "$status" -eq 2 ]
    run "$HUSK" validate -f "$WORK/nope.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = "error: the path \"$WORK/nope.yaml\" does not exist" ]
}

@test "-o yaml and -o json print the objects as the API server would store them" {
    run "$HUSK" validate -o yaml -f "$CORPUS/valid/lumpy-koala.yaml"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "---" ]
    [[ "$output" == *"    imagePullPolicy: Always"* ]]
    [[ "$output" == *"  restartPolicy: Always"* ]]
    [[ "$output" == *"  terminationGracePeriodSeconds: 30"* ]]
    [[ "$output" == *"    - '[ -f /workdir/calm.txt ] && sleep 36000 || exit'"* ]]
    run "$HUSK" validate -o json -f "$CORPUS/valid/deployment.yaml"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.spec.strategy.rollingUpdate.maxSurge, .spec.template.spec.containers[0].ports[0].protocol' <<<"$output")" = $'1\nTCP' ]
    run "$HUSK" validate -o xml -f "$CORPUS/valid/deployment.yaml"
    [ "$status" -eq 2 ]
}
