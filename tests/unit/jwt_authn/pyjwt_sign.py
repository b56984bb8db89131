#!/usr/bin/python3
"""Signs test JWTs with PyJWT (Debian's python3-jwt) and writes the public keys as JWKs, so
meshproxy's verifier is checked against a second implementation, not only against itself.

Usage: pyjwt_sign.py REQUEST.json > RESPONSE.json
REQUEST: {"keys": {NAME: {"pem": PATH} or {"secret_file": PATH}, plus "extra": {JWK members}},
          "tokens": [{"key": NAME, "alg": ALG, "payload": {...}, "headers": {...}}]}
RESPONSE: {"jwks": {NAME: JWK}, "tokens": [COMPACT_JWS, ...]}
Keys are made by the openssl CLI in the C++ test; this script only reads them."""
import json
import sys

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, OKPAlgorithm, RSAAlgorithm

request = json.load(open(sys.argv[1]))
signing_keys = {}
jwks = {}
for name, spec in request["keys"].items():
    if "secret_file" in spec:
        secret = open(spec["secret_file"], "rb").read()
        signing_keys[name] = secret
        jwk = json.loads(HMACAlgorithm.to_jwk(secret))
    else:
        key = load_pem_private_key(open(spec["pem"], "rb").read(), None)
        signing_keys[name] = key
        public = key.public_key()
        if isinstance(key, rsa.RSAPrivateKey):
            jwk = json.loads(RSAAlgorithm.to_jwk(public))
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            jwk = json.loads(ECAlgorithm.to_jwk(public))
        elif isinstance(key, ed25519.Ed25519PrivateKey):
            jwk = json.loads(OKPAlgorithm.to_jwk(public))
        else:
            sys.exit("unsupported key type in " + spec["pem"])
    jwk.update(spec.get("extra", {}))
    jwks[name] = jwk

tokens = [
    jwt.encode(t["payload"], signing_keys[t["key"]], algorithm=t["alg"], headers=t.get("headers"))
    for t in request["tokens"]
]
json.dump({"jwks": jwks, "tokens": tokens}, sys.stdout)
