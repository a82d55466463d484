// The Android library module of crm-mobile: the generated Kotlin bindings, the native library per
// ABI (jniLibs) and JNA, published as an AAR. Fill it with `bash crm-mobile/build-android.sh`.
// Not built on the CI machine (no Android SDK or NDK there); see crm-mobile/README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "crm-mobile"
