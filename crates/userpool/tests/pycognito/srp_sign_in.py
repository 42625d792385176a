"""pycognito's SRP sign-in against a local pool: prints one JSON line.

Usage: srp_sign_in.py ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD
pycognito answers PASSWORD_VERIFIER without a Session, as Cognito's own examples do.
"""

import json
import sys

import boto3
import botocore.exceptions
from pycognito.aws_srp import AWSSRP

endpoint, pool_id, client_id, username, password = sys.argv[1:6]
client = boto3.client(
    "cognito-idp",
    region_name=pool_id.split("_")[0],
    endpoint_url=endpoint,
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
srp = AWSSRP(
    username=username,
    password=password,
    pool_id=pool_id,
    client_id=client_id,
    client=client,
)
try:
    tokens = srp.authenticate_user()
    result = tokens["AuthenticationResult"]
    print(json.dumps({"access_token": result["AccessToken"], "id_token": result["IdToken"]}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"]}))
