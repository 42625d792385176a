"""pycognito's device tracking against a local pool: prints one JSON line.

Usage:
  device_sign_in.py confirm ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD
      SRP sign-in, then ConfirmDevice of its NewDeviceMetadata with pycognito's
      generate_hash_device (its own SRP verifier); prints the device and its secret.
  device_sign_in.py sign-in ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD KEY GROUP DEVICE_PASSWORD
      SRP sign-in with the device: DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER, both
      answered by pycognito (without a Session, as it does).

pycognito's own AWSSRP.confirm_device posts to Cognito's public endpoint, so ConfirmDevice
goes through boto3 here, with pycognito's verifier.
"""

import json
import sys

import boto3
import botocore.exceptions
from pycognito.aws_srp import AWSSRP, generate_hash_device

command, endpoint, pool_id, client_id, username, password = sys.argv[1:7]
client = boto3.client(
    "cognito-idp",
    region_name=pool_id.split("_")[0],
    endpoint_url=endpoint,
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
try:
    if command == "confirm":
        srp = AWSSRP(username=username, password=password, pool_id=pool_id,
                     client_id=client_id, client=client)
        result = srp.authenticate_user()["AuthenticationResult"]
        meta = result["NewDeviceMetadata"]
        key, group = meta["DeviceKey"], meta["DeviceGroupKey"]
        device_password, verifier_config = generate_hash_device(group, key)
        confirmed = client.confirm_device(
            AccessToken=result["AccessToken"],
            DeviceKey=key,
            DeviceSecretVerifierConfig=verifier_config,
            DeviceName="pycognito",
        )
        print(json.dumps({
            "device_key": key,
            "device_group_key": group,
            "device_password": device_password,
            "user_confirmation_necessary": confirmed["UserConfirmationNecessary"],
        }))
    else:
        key, group, device_password = sys.argv[7:10]
        srp = AWSSRP(username=username, password=password, pool_id=pool_id,
                     client_id=client_id, client=client, device_key=key,
                     device_group_key=group, device_password=device_password)
        tokens = srp.authenticate_user()
        result = tokens.get("AuthenticationResult")
        if result is None:
            print(json.dumps({"challenge": tokens.get("ChallengeName")}))
        else:
            print(json.dumps({
                "access_token": result["AccessToken"],
                "new_device": "NewDeviceMetadata" in result,
            }))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"]}))
