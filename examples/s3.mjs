// S3 with what the environment gives: the region from AWS_REGION, the profile in
// ~/.aws/config, AWS_DEFAULT_REGION, else us-east-1; credentials from the AWS_* variables,
// ~/.aws or an instance role; an S3-compatible endpoint from OMNIFS_S3_ENDPOINT.
import { filesystem } from '@omnifs/core';

const bucket = process.argv[2] ?? 'my-bucket';
const s3 = filesystem('s3');                            // an S3FileSystem (npm install @omnifs/s3)
await s3.makedirs(bucket, { existOk: true });
await s3.writeText(`${bucket}/exp/run-1/notes.txt`, 'loss=0.31\n');
console.log(await s3.ls(`${bucket}/exp/run-1`));        // [ 'my-bucket/exp/run-1/notes.txt' ]
console.log(await s3.readText(`${bucket}/exp/run-1/notes.txt`)); // loss=0.31
