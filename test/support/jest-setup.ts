// Every test file: vendor telemetry off before any test loads @apollo/gateway (a test that builds an
// ApolloGateway directly would otherwise probe cloud-metadata addresses; README "Nothing leaves the machine").
import '../../gateway/vendor-telemetry';
