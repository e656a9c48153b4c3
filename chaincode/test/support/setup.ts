// fabric-shim and fabric-contract-api log every chaincode error at error level; rejected calls are expected in
// these tests, so keep the output to what jest reports.
process.env['CORE_CHAINCODE_LOGGING_LEVEL'] = 'critical';
