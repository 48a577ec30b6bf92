package id.perisai.jvm

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** The harness of the sync test: a real perisai-server, started and seeded by the test. */
class RealServerTest {
    private val dir = Fixtures.tempDir("perisai-server")

    @AfterEach
    fun cleanup() = Fixtures.delete(dir)

    @Test
    @Timeout(120)
    fun `a real server starts on a free port and issues an activation code`() {
        RealServer.start(dir).use { server ->
            val health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.url + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString(),
            )
            assertTrue(health.statusCode() == 200, "healthz: ${health.statusCode()} ${health.body()}")
            val (agent, code) = server.agentWithCode()
            assertTrue(agent.isNotBlank())
            // 12 random Crockford characters and a check character, possibly grouped.
            assertTrue(code.replace("-", "").length == 13, code)
        }
    }
}
