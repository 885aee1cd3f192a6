#!/usr/bin/env bash
# Seeds each target's corpus with realistic inputs (the format examples from docs/formats/,
# real OpenAPI-style paths, text carrying sensitive values) so that a short run starts from
# inputs the parsers accept instead of rediscovering JSON and log syntax from nothing.
# Idempotent; corpus/ is not committed (.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
ex=../docs/formats/examples
for t in read_jsonl read_har read_nginx read_waf read_auto_gzip templater scanner; do
  mkdir -p "corpus/$t"
done

# Whole files plus one seed per line, so the fuzzer also mutates single records.
split_lines() { # <file> <dir> <prefix>
  local n=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    printf '%s\n' "$line" > "$2/$3-$n"
  done < "$1"
}
cp "$ex/native.jsonl" corpus/read_jsonl/native.jsonl
split_lines "$ex/native.jsonl" corpus/read_jsonl native
cp "$ex/example.har" corpus/read_har/example.har
printf '{"log":{"version":"1.2","entries":[]}}' > corpus/read_har/empty.har
cp "$ex/nginx.log" corpus/read_nginx/nginx.log
split_lines "$ex/nginx.log" corpus/read_nginx nginx
split_lines "$ex/nginx-custom.log" corpus/read_nginx custom
cp "$ex/waf.jsonl" corpus/read_waf/waf.jsonl
cp "$ex/waf-custom.json" corpus/read_waf/waf-custom.json
split_lines "$ex/waf.jsonl" corpus/read_waf waf

# Format detection sees every format; a leading 0 byte makes the target wrap the rest in a
# gzip header, so raw deflate streams (a gzip file minus its 10-byte header) go behind it.
for f in native.jsonl example.har nginx.log waf.jsonl waf-custom.json; do
  cp "$ex/$f" "corpus/read_auto_gzip/$f"
  gzip -c -n "$ex/$f" > "corpus/read_auto_gzip/$f.gz"
  { printf '\0'; tail -c +11 "corpus/read_auto_gzip/$f.gz"; } > "corpus/read_auto_gzip/$f.deflate"
done

# Paths in the shapes real API descriptions use: numeric and UUID ids, slugs, dates,
# versions, file names, encoded characters, trailing slashes, matrix parameters.
cat > corpus/templater/rest <<'P'
/v1/users/10042/profile
/v1/users/10043/profile
/v1/users/10044/orders/O-90017
/api/v2/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6/items
/api/v2/orders/9b2e4c1a-0d3f-4e8a-9c7b-1f2e3d4c5b6a/items
/repos/rust-lang/cargo/pulls/12345/comments
/repos/tokio-rs/axum/issues/2890
/pet/123/uploadImage
/store/order/5
/user/login
/files/2024/05/01/report.pdf
/v1/products/search
/api/accounts/ACC-000123/transactions/2024-05-01
/graphql
/
//double//slash/
/users/%E6%9D%8E%E5%A8%9C/avatar.png
/catalog;jsessionid=ABC123/items
/v1/用户/10042
P
cat > corpus/templater/stripe <<'P'
/v1/customers/cus_NffrFeUfNV2Hib
/v1/customers/cus_OxW3nRk2L9pQzA/sources
/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refund
/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa/confirm
P

cat > corpus/scanner/body.json <<'S'
{"id":10042,"name":"Li Na","phone":"13812345678","email":"li.na@example.com","id_card":"11010519491231002X","card":"4111 1111 1111 1111","ssn":"078-05-1120","address":"北京市朝阳区建国路8号","plate":"京A12345","hk_id":"A123456(3)","nric":"S1234567D"}
S
printf '11010519491231002X' > corpus/scanner/id_card
printf 'contact: +86 138-1234-5678, mail li.na@example.com, IBAN DE89370400440532013000' > corpus/scanner/free_text
printf '姓名:张伟 性别:男 民族:汉族 住址:上海市浦东新区世纪大道100号' > corpus/scanner/chinese
