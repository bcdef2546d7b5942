// The shape of a cloud region ID, the one rule every side checks a region with: the functions' configuration
// (CODEARTS_REGION), a watch request's `region`, the CodeArts client before it puts a region in a host name, and
// the CDK settings (codeartsRegion, and the AWS `region`, which AWS writes the same way). Pure data, so lib/ may
// import it.

/**
 * A region ID such as `cn-north-4`, `ap-southeast-3`, `eu-west-101` (Huawei Cloud) or `eu-west-1` (AWS): lower-case
 * words joined by `-`, ending in a number. A pattern rather than a fixed list, so a region opened later works
 * without a release; it holds no `.` or `/`, so it cannot change which host a URL built from it names.
 */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,3}$/;
