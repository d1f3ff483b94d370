"""The Python side of `cargo bench --bench store`: the usual way to keep a model in S3 from
Python, timed inside this process against the same SeaweedFS server as ours.

    python store_side.py RUNS

boto3 (its default client, with the endpoint and credentials of the environment) puts and gets
whole objects: the 80 MB array written with np.save into memory and put, got and read with
np.load; the article's LinearRegression dumped with joblib and put, got and joblib.load-ed.
Prints one JSON object of median seconds over RUNS runs after a warm-up (5 × RUNS for the
article's model, as on our side), and the versions.
"""

import io
import json
import os
import sys
import time

import boto3
import joblib
import numpy as np
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split


def median(runs, action):
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    runs = int(sys.argv[1])
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"])
    bucket = "bench"
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.ClientError:
        pass
    values = np.full(10_000_000, 0.5)
    wine = load_wine(as_frame=True)
    x_tr, _, y_tr, _ = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    model = LinearRegression().fit(x_tr, y_tr)

    def put_array():
        buffer = io.BytesIO()
        np.save(buffer, values)
        s3.put_object(Bucket=bucket, Key="python/values.npy", Body=buffer.getvalue())

    def get_array():
        body = s3.get_object(Bucket=bucket, Key="python/values.npy")["Body"].read()
        assert np.load(io.BytesIO(body)).shape == values.shape

    def put_model():
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        s3.put_object(Bucket=bucket, Key="python/model.joblib", Body=buffer.getvalue())

    def get_model():
        body = s3.get_object(Bucket=bucket, Key="python/model.joblib")["Body"].read()
        assert joblib.load(io.BytesIO(body)).coef_.shape == (13,)

    result = {
        "save_array": median(runs, put_array),
        "load_array": median(runs, get_array),
        "save_model": median(runs * 5, put_model),
        "load_model": median(runs * 5, get_model),
        "versions": {
            "python": sys.version.split()[0],
            "boto3": boto3.__version__,
            "numpy": np.__version__,
            "joblib": joblib.__version__,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
