package id.perisai.field.ui

import androidx.compose.runtime.Composable
import androidx.fragment.app.FragmentActivity
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import id.perisai.field.platform.Core
import id.perisai.field.ui.screens.ActivationScreen
import id.perisai.field.ui.screens.CashScreen
import id.perisai.field.ui.screens.CommissionScreen
import id.perisai.field.ui.screens.EnrollmentDetailScreen
import id.perisai.field.ui.screens.EnrollmentFormScreen
import id.perisai.field.ui.screens.HomeScreen
import id.perisai.field.ui.screens.LockScreen
import id.perisai.field.ui.screens.MyEnrollmentsScreen
import id.perisai.field.ui.screens.ParticipantsScreen
import id.perisai.field.ui.screens.ReceiptScreen

/** Every screen and how they lead to each other. The lock screen comes first, always. */
@Composable
fun PerisaiNavHost(core: Core, activity: FragmentActivity) {
    val nav = rememberNavController()
    NavHost(navController = nav, startDestination = "lock") {
        composable("lock") {
            LockScreen(core, activity, onUnlocked = {
                nav.navigate("home") { popUpTo("lock") { inclusive = true } }
            })
        }
        composable("activation") {
            ActivationScreen(core, onDone = { nav.popBackStack() })
        }
        composable("home") {
            HomeScreen(
                core,
                onNewEnrollment = { nav.navigate("form") },
                onMyEnrollments = { nav.navigate("mine") },
                onParticipants = { nav.navigate("participants") },
                onCommission = { nav.navigate("commission") },
                onActivate = { nav.navigate("activation") },
            )
        }
        composable(
            "form?draft={draft}&fix={fix}",
            arguments = listOf(
                navArgument("draft") { type = NavType.StringType; nullable = true },
                navArgument("fix") { type = NavType.StringType; nullable = true },
            ),
        ) { entry ->
            EnrollmentFormScreen(
                core,
                draftId = entry.arguments?.getString("draft"),
                fixId = entry.arguments?.getString("fix"),
                onSubmitted = { id -> nav.navigate("receipt/$id") { popUpTo("home") } },
                onBack = { nav.popBackStack() },
            )
        }
        composable("receipt/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            ReceiptScreen(core, id, onCash = { nav.navigate("cash/$id") }, onDone = { nav.popBackStack("home", false) })
        }
        composable("cash/{id}") { entry ->
            CashScreen(core, entry.arguments?.getString("id").orEmpty(), onDone = { nav.popBackStack() })
        }
        composable("mine") {
            MyEnrollmentsScreen(core, onOpen = { id -> nav.navigate("detail/$id") }, onBack = { nav.popBackStack() })
        }
        composable("detail/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            EnrollmentDetailScreen(
                core,
                id,
                onFix = { nav.navigate("form?fix=$id") },
                onReceipt = { nav.navigate("receipt/$id") },
                onBack = { nav.popBackStack() },
            )
        }
        composable("participants") {
            ParticipantsScreen(core, onCash = { id -> nav.navigate("cash/$id") }, onBack = { nav.popBackStack() })
        }
        composable("commission") { CommissionScreen(core, onBack = { nav.popBackStack() }) }
    }
}
